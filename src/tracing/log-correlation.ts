/**
 * Trace–log correlation: the `trace_id`, `span_id` and `trace_flags` of the active span, under
 * the field names of the OpenTelemetry log data model (the ones `@opentelemetry/instrumentation-pino`
 * writes and Grafana's Loki→Tempo/Jaeger derived fields match by default).
 *
 * Depends on `@opentelemetry/api` only, like trace-function.ts: a logger configured with it
 * loads no SDK, and until tracing starts every call finds no span and adds nothing.
 *
 * Why a mixin the user passes, rather than `instrumentApp` editing Fastify's logger: pino fixes
 * its mixin when the logger is built (inside `Fastify()`, before `instrumentApp` runs) and has
 * no public way to add one later; the only way would be to write pino's private
 * `Symbol("pino.mixin")` and compose it with the user's own mixin and merge strategy.
 */
import type { IncomingMessage } from "node:http";
import {
  context,
  INVALID_SPANID,
  INVALID_TRACEID,
  trace,
  type SpanContext,
} from "@opentelemetry/api";
import { peekRequestState } from "../kernel/request-state.js";

/** What {@link traceLogFields} adds to a log line. */
export interface TraceLogFields {
  /** 32 lower-case hex digits. */
  trace_id: string;
  /** 16 lower-case hex digits: the span the line was written in. */
  span_id: string;
  /** Two hex digits, W3C trace flags: `"01"` sampled (the trace is exported), `"00"` not. */
  trace_flags: string;
}

/** Where a log call's merge object may hold the request: Fastify's and pino-http's access lines. */
interface RequestCarrier {
  /** Fastify: the Request (`.raw`); pino-http and plain use: the IncomingMessage itself. */
  req?: { raw?: unknown } | null;
  /** Fastify: the Reply (`.request.raw`); pino-http: the ServerResponse (`.req`). */
  res?: { request?: { raw?: unknown } | null; req?: unknown } | null;
}

/**
 * The server span of the request a log call names (`{ req }` or `{ res }`), for lines written
 * where the request's context is no longer active: Fastify's "request completed" and pino-http's
 * access line run in the response's `finish` callback. Reads user objects, so never throws.
 */
function requestSpanContext(mergeObject: unknown): SpanContext | undefined {
  if (typeof mergeObject !== "object" || mergeObject === null) return undefined;
  try {
    const { req, res } = mergeObject as RequestCarrier;
    if (req == null && res == null) return undefined;
    const raw = res?.request?.raw ?? res?.req ?? req?.raw ?? req;
    if (typeof raw !== "object" || raw === null) return undefined;
    return peekRequestState(raw as IncomingMessage)?.serverSpan?.spanContext();
  } catch {
    return undefined; // a throwing getter on something the user logged
  }
}

const COMMON_FLAGS = ["00", "01"];
const hex2 = (flags: number): string =>
  COMMON_FLAGS[flags] ?? (flags & 0xff).toString(16).padStart(2, "0");

/**
 * The `trace_id`, `span_id` and `trace_flags` of the span active where it is called — a nested
 * `traceFunction` span gives its own `span_id`, not the request's — or a new empty object when
 * no span is (tracing off, or outside any request). Lines that name a request but run outside
 * its context (`{ req }`, `{ res }`: Fastify's "request completed", pino-http's access line)
 * get the request's server span.
 *
 * Use it as pino's `mixin` (a fresh object each call, as pino's merge requires), or call it to
 * build fields for any other logger.
 *
 * @param mergeObject - pino passes the object the line was logged with (`log.info(obj, msg)`);
 *   only its `req` and `res` are read, for the fallback above. Optional.
 *
 * @example
 * const app = Fastify({ logger: { mixin: traceLogFields } });
 * const logger = pino({ mixin: traceLogFields });
 */
export function traceLogFields(mergeObject?: unknown): TraceLogFields | Record<string, never> {
  let spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext === undefined) {
    if (mergeObject === undefined) return {};
    spanContext = requestSpanContext(mergeObject);
    if (spanContext === undefined) return {};
  }
  // The all-zero ids of a non-recording placeholder span. Not isSpanContextValid(): its two
  // regular expressions cost more than the rest of the call (about 140 ns; bench/log-correlation.mjs),
  // and ids reach a span only from the SDK's generator or a propagator that validated them.
  const { traceId, spanId } = spanContext;
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return {};
  return { trace_id: traceId, span_id: spanId, trace_flags: hex2(spanContext.traceFlags) };
}
