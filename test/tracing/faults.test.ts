/**
 * A trace collector that refuses, resets, fails or hangs: memory stays bounded, requests are not
 * slowed, drops are counted, and shutdown returns within its bound.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { trace } from "@opentelemetry/api";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceiverMode,
} from "../support/otlp-receiver.js";
import { baseUrl, captureWarnings } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const SHUTDOWN_TIMEOUT_MS = 1500;
const PAYLOAD = "x".repeat(1024);
let app: FastifyInstance | undefined;
let handle: TracingHandle | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await app?.close();
  await handle?.shutdown();
  await receiver?.close();
  app = handle = receiver = undefined;
});

async function setup(): Promise<string> {
  receiver = await startOtlpReceiver();
  app = Fastify();
  handle = await instrumentApp(app, {
    endpoint: receiver.url,
    batch: { scheduledDelayMillis: 100 },
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
  });
  app.get("/claims/:id", async () => ({ ok: true }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return baseUrl(app.server);
}

/** Median latency (ms) of `n` sequential requests. */
async function medianLatency(url: string, n = 150): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await (await fetch(`${url}/claims/${i}`)).arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

/** Ends `count` spans with a 1 KB attribute, yielding to the event loop every 1000. */
async function flood(count: number): Promise<void> {
  const tracer = trace.getTracer("flood");
  for (let i = 0; i < count; i++) {
    tracer.startSpan("flood", { attributes: { payload: PAYLOAD, i } }).end();
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
}

async function faultCase(mode: ReceiverMode, spans: number) {
  const url = await setup();
  await medianLatency(url, 50); // warm-up (JIT, sockets, the exporter's first batches)
  const healthy = await medianLatency(url);
  await receiver!.setMode(mode);
  const before = heapMb();
  await flood(spans);
  const faulty = await medianLatency(url);
  const growth = heapMb() - before;
  const dropped = handle!.droppedSpans();
  const t = performance.now();
  await handle!.shutdown();
  const shutdownMs = performance.now() - t;
  console.log(
    `[${mode}] ${spans} spans: heap +${growth.toFixed(1)} MB, dropped ${dropped}, p50 ${healthy.toFixed(2)} → ${faulty.toFixed(2)} ms, shutdown ${shutdownMs.toFixed(0)} ms`,
  );
  return { growth, dropped, healthy, faulty, shutdownMs };
}

describe("tracing with a failing collector", () => {
  for (const mode of ["refuse", "hang"] as const) {
    it(`${mode}: 100,000 spans keep the heap bounded, latency flat, drops counted, shutdown bounded`, async () => {
      const warnings = captureWarnings();
      try {
        const r = await faultCase(mode, 100_000);
        // Queue of 2048 spans (~1.3 KB each) + at most one batch in flight: a few MB, not 130 MB.
        expect(r.growth).toBeLessThan(16);
        expect(r.dropped).toBeGreaterThan(90_000);
        expect(r.faulty).toBeLessThan(r.healthy * 2 + 2);
        expect(r.shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 500);
        expect(warnings.lines.some((l) => l.includes("span(s) so far"))).toBe(true);
      } finally {
        warnings.restore();
      }
    });
  }

  for (const mode of ["reset", "error500"] as const) {
    it(`${mode}: 20,000 spans are dropped and counted, shutdown bounded`, async () => {
      const warnings = captureWarnings();
      try {
        const r = await faultCase(mode, 20_000);
        expect(r.growth).toBeLessThan(16);
        expect(r.dropped).toBeGreaterThan(10_000);
        expect(r.shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 500);
      } finally {
        warnings.restore();
      }
    });
  }

  it("exports what is queued on shutdown when the collector is healthy", async () => {
    await setup();
    trace.getTracer("t").startSpan("last-words").end();
    await handle!.shutdown();
    expect(receiver!.spans().map((s) => s.name)).toContain("last-words");
  });
});
