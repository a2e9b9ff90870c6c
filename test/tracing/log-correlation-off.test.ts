/**
 * traceLogFields with tracing never started in this process (its own test file, so no provider or
 * context manager from another test is registered): lines get nothing. And the request fallback
 * for lines written outside the request's context, on each shape a logger passes it.
 */
import type { IncomingMessage } from "node:http";
import fastify5 from "fastify";
import { describe, expect, it } from "vitest";
import { setServerSpan } from "../../src/kernel/request-state.js";
import { traceLogFields } from "../../src/tracing/log-correlation.js";

describe("traceLogFields without tracing", () => {
  it("adds nothing to any line of a Fastify app that was never instrumented", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = fastify5({
      logger: {
        mixin: traceLogFields,
        stream: { write: (l: string) => lines.push(JSON.parse(l)) },
      },
    });
    app.get("/x", async (request) => {
      request.log.info("in handler");
      return "x";
    });
    expect((await app.inject({ url: "/x" })).body).toBe("x");
    await app.close();
    expect(lines.map((l) => l.msg)).toEqual([
      "incoming request",
      "in handler",
      "request completed",
    ]);
    for (const line of lines) {
      expect(Object.keys(line).filter((k) => k.startsWith("trace_") || k === "span_id")).toEqual(
        [],
      );
    }
  });

  it("returns a new empty object on each call (pino's default merge writes into it)", () => {
    const first = traceLogFields();
    expect(first).toEqual({});
    expect(traceLogFields()).not.toBe(first);
    expect(traceLogFields({ msg: "x" })).toEqual({});
  });
});

describe("traceLogFields – the request a line names, when no span is active", () => {
  const raw = {} as IncomingMessage;
  const span = {
    spanContext: () => ({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    }),
  };
  setServerSpan(raw, span);
  const expected = {
    trace_id: "0af7651916cd43dd8448eb211c80319c",
    span_id: "b7ad6b7169203331",
    trace_flags: "01",
  };

  it.each([
    ["Fastify's { res: reply }", { res: { request: { raw } } }],
    ["pino-http's { res: ServerResponse }", { res: { req: raw } }],
    ["Fastify's { req: request }", { req: { raw } }],
    ["{ req: IncomingMessage }", { req: raw }],
  ])("finds the server span through %s", (_shape, mergeObject) => {
    expect(traceLogFields(mergeObject)).toEqual(expected);
  });

  it("adds nothing for a request without a span, or a value that is not a request", () => {
    for (const mergeObject of [
      { req: {} },
      { res: null },
      { req: "GET /" },
      { res: { request: null } },
      null,
      "message",
      42,
    ])
      expect(traceLogFields(mergeObject)).toEqual({});
  });

  it("never throws, whatever the logged object's getters do", () => {
    const hostile = {
      get res(): never {
        throw new Error("getter");
      },
    };
    expect(traceLogFields(hostile)).toEqual({});
  });

  it('writes unsampled flags as "00", and adds nothing for an invalid (all-zero) span context', () => {
    const other = {} as IncomingMessage;
    setServerSpan(other, {
      spanContext: () => ({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 0 }),
    });
    expect(traceLogFields({ req: other })).toMatchObject({ trace_flags: "00" });
    const invalid = {} as IncomingMessage;
    setServerSpan(invalid, {
      spanContext: () => ({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 1 }),
    });
    expect(traceLogFields({ req: invalid })).toEqual({});
  });
});
