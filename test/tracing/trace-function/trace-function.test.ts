import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { traceFunction } from "../../../src/tracing/trace-function.js";
import { captureWarnings } from "../helpers.js";

let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;

function register(): void {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
}

beforeEach(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterEach(() => {
  trace.disable();
  context.disable();
});

describe("traceFunction", () => {
  it("is the plain call when no provider was ever registered", () => {
    const add = traceFunction("add")((a: number, b: number) => a + b);
    expect(add(1, 2)).toBe(3);
  });

  it("traces once a provider is registered, and follows a provider registered later (restart)", async () => {
    const add = traceFunction("add")((a: number, b: number) => a + b);
    add(1, 1);
    register();
    expect(add(2, 2)).toBe(4);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["add"]);
    trace.disable();
    register();
    add(3, 3);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["add"]);
  });

  it("records a non-Error throw as a string and rethrows the very same value", async () => {
    register();
    const thrown = { code: 42 };
    const fn = traceFunction("odd")(() => {
      throw thrown;
    });
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
    await provider.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: 2, message: "[object Object]" });
    expect(span!.events[0]!.attributes).toMatchObject({ "exception.message": "[object Object]" });
  });

  it("leaves a non-native thenable alone (not awaited, same object) and ends the span at once", async () => {
    register();
    let thenCalls = 0;
    const lazy = { then: () => void thenCalls++ };
    const query = traceFunction("query")(() => lazy);
    expect(query()).toBe(lazy);
    expect(thenCalls).toBe(0);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it("logs an attributes function that throws, once, and still runs the call", async () => {
    register();
    const warnings = captureWarnings();
    try {
      const fn = traceFunction("attrs", {
        attributes: () => {
          throw new Error("bad");
        },
      })(() => "ran");
      expect(fn()).toBe("ran");
      expect(fn()).toBe("ran");
      expect(warnings.lines).toEqual([
        '@crisislen/observability: the attributes function of traceFunction("attrs") threw (Error: bad)',
      ]);
    } finally {
      warnings.restore();
    }
  });

  it("rejects generators, accessors and missing names with clear errors", () => {
    expect(() => traceFunction("gen")(function* gen() {})).toThrow(
      'traceFunction("gen") cannot wrap a generator function (gen)',
    );
    expect(() => traceFunction("get")({}, "x", { get: () => 1 })).toThrow(
      'traceFunction("get") decorates methods only, not accessors (x)',
    );
    expect(() =>
      (traceFunction("f") as unknown as (v: unknown, c: object) => unknown)(() => 1, {
        kind: "getter",
        name: "x",
      }),
    ).toThrow('traceFunction("f") decorates methods only, not a getter');
    expect(() => traceFunction("")).toThrow(
      '@crisislen/observability: traceFunction span name must be a non-empty string, got ""',
    );
  });

  it("says how to wrap a function when one is passed as the options (traceFunction(name, fn))", () => {
    let called = false;
    const mistake = () =>
      traceFunction("load_claim", (async () => {
        called = true;
      }) as never);
    expect(mistake).toThrow(
      new TypeError(
        '@crisislen/observability: traceFunction("load_claim") options (its second argument) must be ' +
          "an object { attributes?, kind? }, got a function; to trace a function, wrap it: " +
          'traceFunction("load_claim")(fn)',
      ),
    );
    expect(called).toBe(false);
  });
});
