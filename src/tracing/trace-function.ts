/**
 * `traceFunction(name, options?)`: one export that is a TC39 standard method decorator, a legacy
 * `experimentalDecorators` method decorator, and a wrapper for plain functions.
 *
 * Depends on `@opentelemetry/api` only, never on the SDK: decorating a class costs nothing, and
 * until a tracer provider is registered each call is the original call plus one global lookup.
 * Semantics (as @fastify/otel's handler wrapper): a child span of the active one, run inside its
 * context; sync stays sync; a returned native promise ends the span when it settles; an error is
 * recorded (exception event, status ERROR) and rethrown unchanged; the status is never set to OK.
 */
import { types } from "node:util";
import {
  SpanStatusCode,
  trace,
  type Attributes,
  type ProxyTracerProvider,
  type Span,
  SpanKind,
  type Tracer,
} from "@opentelemetry/api";
import { PACKAGE_NAME, warnOnce } from "../kernel/logger.js";
import { optionsOf } from "../kernel/option-keys.js";
import { invalid } from "../kernel/validate.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (this: any, ...args: any[]) => any;

/** Options of {@link traceFunction}. */
export interface TraceFunctionOptions {
  /**
   * Span attributes: fixed, or computed from the call's arguments. Arguments are never recorded
   * unless you do it here (they may hold personal data). A function that throws is logged once
   * and the call goes on without its attributes.
   * @example { attributes: (claim: Claim) => ({ "claim.id": claim.id }) }
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  attributes?: Attributes | ((...args: any[]) => Attributes);
  /** Span kind. @default SpanKind.INTERNAL */
  kind?: SpanKind;
}

/** What `traceFunction(name)` returns: usable in all three positions. */
export interface TraceDecorator {
  /** TC39 standard method decorator (TypeScript ≥ 5 without `experimentalDecorators`). */
  <F extends AnyFunction>(value: F, context: ClassMethodDecoratorContext<unknown, F>): F;
  /** Legacy method decorator (`experimentalDecorators`, NestJS). */
  (
    target: object,
    propertyKey: string | symbol,
    descriptor: PropertyDescriptor,
  ): PropertyDescriptor;
  /** Plain function wrapper. */
  <F extends AnyFunction>(fn: F, context?: undefined): F;
}

const TRACER_NAME = PACKAGE_NAME;
const NO_OPTIONS = {};

let cachedProvider: unknown;
let cachedTracer: Tracer | undefined;

/**
 * The tracer of the registered provider, or `undefined` when none was ever registered. Cached
 * per provider: asking the SDK for a tracer builds a lookup key string on every call, which
 * would cost more than the rest of the wrapper. A provider registered (or replaced) later is
 * picked up at the next call.
 */
function activeTracer(): Tracer | undefined {
  const proxy = trace.getTracerProvider() as Partial<ProxyTracerProvider>;
  const provider = proxy.getDelegate?.() ?? proxy;
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    cachedTracer = proxy.getDelegateTracer?.(TRACER_NAME);
  }
  return cachedTracer;
}

/** `String(value)`, which throws for `Object.create(null)` and a throwing `toString`. */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Records what was thrown. Anything may be thrown (`""`, `[]`, a null-prototype object): the
 * exception event always gets a type, so the SDK never skips it for lack of a message, and a
 * value that cannot be described never replaces the caller's error with our own.
 */
function fail(span: Span, error: unknown): void {
  try {
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      return;
    }
    const message = safeString(error);
    span.recordException({ name: error === null ? "null" : typeof error, message });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  } catch {
    // An Error subclass with a throwing getter: keep the status at least.
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

function spanOptions(name: string, options: TraceFunctionOptions, args: unknown[]) {
  const { attributes, kind } = options;
  if (attributes === undefined && kind === undefined) return NO_OPTIONS;
  let attrs: Attributes | undefined;
  if (typeof attributes === "function") {
    try {
      attrs = attributes(...args);
    } catch (error) {
      warnOnce(
        `traceFunction:attributes:${name}`,
        `the attributes function of traceFunction("${name}") threw`,
        error,
      );
    }
  } else attrs = attributes;
  return { ...(attrs ? { attributes: attrs } : {}), ...(kind === undefined ? {} : { kind }) };
}

function copyMetadata(from: AnyFunction, to: AnyFunction): void {
  const reflect = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[];
    getMetadata: (key: unknown, target: object) => unknown;
    defineMetadata: (key: unknown, value: unknown, target: object) => void;
  };
  if (typeof reflect.getMetadataKeys !== "function") return;
  for (const key of reflect.getMetadataKeys(from))
    reflect.defineMetadata(key, reflect.getMetadata(key, from), to);
}

function wrap<F extends AnyFunction>(fn: F, name: string, options: TraceFunctionOptions): F {
  const kind = fn.constructor?.name;
  if (kind === "GeneratorFunction" || kind === "AsyncGeneratorFunction") {
    throw new TypeError(
      `${PACKAGE_NAME}: traceFunction("${name}") cannot wrap a generator function (${fn.name || "anonymous"}); its span would end before iteration`,
    );
  }
  const plainOptions = options.attributes === undefined && options.kind === undefined;
  const traced = function (this: unknown): unknown {
    const tracer = activeTracer();
    // eslint-disable-next-line prefer-rest-params
    if (tracer === undefined) return fn.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    const spanOpts = plainOptions ? NO_OPTIONS : spanOptions(name, options, Array.from(args));
    return tracer.startActiveSpan(name, spanOpts, (span) => {
      let result: unknown;
      try {
        result = fn.apply(this, args);
      } catch (error) {
        fail(span, error);
        span.end();
        throw error;
      }
      if (!types.isPromise(result)) {
        // Values and non-native thenables (lazy query builders) end now: calling `.then` on a
        // builder would run it and change what the caller gets back.
        span.end();
        return result;
      }
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      );
    });
  };
  Object.defineProperty(traced, "name", { value: fn.name, configurable: true });
  Object.defineProperty(traced, "length", { value: fn.length, configurable: true });
  copyMetadata(fn, traced);
  return traced as unknown as F;
}

/**
 * Traces a method or a function in a span called `name`.
 *
 * @example
 * class ClaimService {
 *   @traceFunction("process_claim")
 *   async processClaim(claim: Claim) { … }
 * }
 * export const score = traceFunction("score_claim")(function score(claim: Claim) { … });
 */
export function traceFunction(name: string, input?: TraceFunctionOptions): TraceDecorator {
  if (typeof name !== "string" || name === "") {
    throw invalid("traceFunction span name", "a non-empty string", name);
  }
  if (typeof input === "function") {
    // `traceFunction("x", async () => …)`: the function belongs in the second call.
    throw new TypeError(
      `${PACKAGE_NAME}: traceFunction("${name}") options (its second argument) must be an ` +
        `object { attributes?, kind? }, got a function; to trace a function, wrap it: ` +
        `traceFunction("${name}")(fn)`,
    );
  }
  const options = optionsOf(`traceFunction("${name}")`, input, [
    "attributes",
    "kind",
  ]) as TraceFunctionOptions;
  const { attributes, kind } = options;
  if (
    attributes !== undefined &&
    (typeof attributes !== "object" || attributes === null) &&
    typeof attributes !== "function"
  )
    throw invalid("attributes", "an object of attributes or a function returning one", attributes);
  if (kind !== undefined && !(Object.values(SpanKind) as unknown[]).includes(kind))
    throw invalid("kind", "a SpanKind", kind);
  function decorator(target: unknown, context?: unknown, descriptor?: PropertyDescriptor): unknown {
    if (
      typeof context === "object" &&
      context !== null &&
      typeof (context as { kind?: unknown }).kind === "string"
    ) {
      const { kind } = context as { kind: string };
      if (kind !== "method" || typeof target !== "function") {
        throw new TypeError(
          `${PACKAGE_NAME}: traceFunction("${name}") decorates methods only, not a ${kind}`,
        );
      }
      return wrap(target as AnyFunction, name, options);
    }
    if (descriptor !== undefined) {
      if (typeof descriptor.value !== "function") {
        throw new TypeError(
          `${PACKAGE_NAME}: traceFunction("${name}") decorates methods only, not accessors (${String(context)})`,
        );
      }
      descriptor.value = wrap(descriptor.value as AnyFunction, name, options);
      return descriptor;
    }
    if (typeof target === "function" && context === undefined)
      return wrap(target as AnyFunction, name, options);
    throw new TypeError(
      `${PACKAGE_NAME}: traceFunction("${name}") must decorate a method or wrap a function`,
    );
  }
  return decorator as TraceDecorator;
}
