/**
 * What a user sees when the trace collector is down or failing: the drop warning and the
 * shutdown warning name the endpoint and the error (code and message), not just `Error`; and
 * `shutdown()` stops waiting at the first refused connection instead of sitting out its bound.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { describeError } from "../../src/tracing/collector-status.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { eventually } from "../support/http-client.js";
import { captureWarnings } from "./helpers.js";

let app: FastifyInstance | undefined;
let handle: TracingHandle | undefined;
let receiver: OtlpReceiver | undefined;
let warnings: ReturnType<typeof captureWarnings> | undefined;
const savedTimeout = process.env.OTEL_EXPORTER_OTLP_TIMEOUT;

afterEach(async () => {
  await handle?.shutdown();
  await app?.close();
  await receiver?.close();
  warnings?.restore();
  app = handle = receiver = warnings = undefined;
  if (savedTimeout === undefined) delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
  else process.env.OTEL_EXPORTER_OTLP_TIMEOUT = savedTimeout;
});

/** Tracing to a receiver in `mode`, exporting every 20 ms, giving up an export after 300 ms. */
async function traceTo(mode: "refuse" | "error500"): Promise<string> {
  warnings = captureWarnings();
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = "300"; // the exporter's own retry budget
  receiver = await startOtlpReceiver({ mode });
  app = Fastify();
  handle = await instrumentApp(app, {
    endpoint: receiver.url,
    batch: { scheduledDelayMillis: 20 },
    shutdownTimeoutMs: 3000,
  });
  return receiver.url;
}

const endSpans = (count: number) => {
  for (let i = 0; i < count; i++) trace.getTracer("t").startSpan(`span-${i}`).end();
};

describe("a failing trace collector, as the logs tell it", () => {
  it("refused: the drop warning names the endpoint and ECONNREFUSED", async () => {
    const url = await traceTo("refuse");
    const { port } = receiver!;
    endSpans(3);
    await eventually(() => warnings!.lines.some((l) => l.includes("span(s) so far")), 5000);
    expect(warnings!.lines).toEqual([
      `@crisislen/observability: dropped 3 span(s) so far (last: their export failed); exporting to ${url} failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port}); is the trace collector reachable?`,
    ]);
  });

  it("answering 500: the drop warning names the endpoint and the HTTP status", async () => {
    const url = await traceTo("error500");
    endSpans(2);
    await eventually(() => warnings!.lines.some((l) => l.includes("span(s) so far")), 5000);
    expect(warnings!.lines[0]).toBe(
      `@crisislen/observability: dropped 2 span(s) so far (last: their export failed); exporting to ${url} failed: HTTP 500 (Internal Server Error); is the trace collector reachable?`,
    );
  });

  it("refused: shutdown() gives up at the first refused connection, not after its 3000 ms bound", async () => {
    const url = await traceTo("refuse");
    const { port } = receiver!;
    endSpans(5);
    const started = performance.now();
    await handle!.shutdown();
    const tookMs = performance.now() - started;
    expect(tookMs).toBeLessThan(500);
    expect(warnings!.lines).toContain(
      `@crisislen/observability: tracing shutdown: exporting to ${url} failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port}); the collector is unreachable, so queued spans were dropped without waiting`,
    );
  });
});

describe("describeError", () => {
  it.each([
    [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4318"), { code: "ECONNREFUSED" }),
      "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:4318)",
    ],
    [
      Object.assign(new Error("Internal Server Error"), { code: 500 }),
      "HTTP 500 (Internal Server Error)",
    ],
    [
      new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })], ""),
      "ECONNREFUSED",
    ],
    [new Error("Request timed out"), "Request timed out"],
    [Object.assign(new Error("ETIMEDOUT"), { code: "ETIMEDOUT" }), "ETIMEDOUT"],
    ["a string", "a string"],
    [new Error(""), "unknown error"],
  ])("%s → %s", (error, expected) => {
    expect(describeError(error)).toBe(expected);
  });
});
