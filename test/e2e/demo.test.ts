/**
 * `npm run demo` (examples/fastify-claims/demo.mjs) as a newcomer runs it: a real process that
 * prints where to look, generates traffic, shows traces on the console (or sends them to an OTLP
 * endpoint when one is set) and exits 0 after `--duration` or on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { assertDistBuilt, cleanEnv, startNode, stopAll } from "./support/processes.js";

const DEMO = "examples/fastify-claims/demo.mjs";
const env = (extra: Record<string, string> = {}) =>
  cleanEnv({ PORT: "0", METRICS_PORT: "0", ...extra });
/** The console exporter's first line for a processed claim: route, kind, status, time, spans, trace id. */
const PROCESS_TRACE =
  /^✓ POST \/claims\/:id\/process \(server\) 200 {2}\d+(\.\d)? ms {2}3 spans {2}trace [0-9a-f]{8}$/m;

beforeAll(() => assertDistBuilt());
afterAll(() => stopAll());

describe("npm run demo", () => {
  it("--duration 3: prints the URLs and trace summaries, then exits 0", async () => {
    const demo = startNode(DEMO, ["--duration", "3"], env());
    const exit = await Promise.race([
      demo.exited,
      new Promise((resolve) => setTimeout(() => resolve("still running after 25 s"), 25_000)),
    ]);
    expect(exit, demo.output).toEqual({ code: 0, signal: null });
    const out = demo.output;
    const [, url] = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out) ?? [];
    expect(url, out).toBeDefined();
    expect(out).toContain(`${url}/metrics (app port)`);
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/metrics \(metrics port\)/);
    expect(out).toContain(`${url}/health/ready`);
    expect(out).toContain(`${url}/health/live`);
    expect(out).toContain("a summary per trace on this console");
    expect(out).toMatch(PROCESS_TRACE);
    expect(out).toMatch(/^ {2}└─ process_claim {2}\d+(\.\d)? ms$/m);
    expect(out).toMatch(/^ {5}└─ GET \(client\) 200 {2}\d+(\.\d)? ms$/m);
    expect(out).toMatch(/^✓ POST \/claims \(server\) 201 /m);
    expect(out).toMatch(/^Demo: \d+ journeys, \d+ requests \(.*\) in \d+\.\d s\.$/m);
    expect(out).not.toMatch(/error|warn/i);
  }, 30_000);

  it("runs until SIGTERM, then shuts down gracefully and exits 0", async () => {
    const demo = startNode(DEMO, [], env());
    await demo.waitForOutput(PROCESS_TRACE, 15_000);
    expect(await demo.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(demo.output).toMatch(/^Demo: \d+ journeys/m);
  }, 30_000);

  it("rejects a bad --duration with exit code 2", async () => {
    const demo = startNode(DEMO, ["--duration", "soon"], env());
    expect(await demo.exited).toEqual({ code: 2, signal: null });
    expect(demo.output).toContain('--duration must be a number of seconds, got "soon"');
  }, 15_000);

  describe("with OTEL_EXPORTER_OTLP_ENDPOINT set (Jaeger's OTLP/HTTP port)", () => {
    let receiver: OtlpReceiver;
    beforeAll(async () => {
      receiver = await startOtlpReceiver();
    });
    afterAll(() => receiver.close());

    it("sends the traces over OTLP instead of printing them", async () => {
      const demo = startNode(
        DEMO,
        ["--duration", "2"],
        env({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` }),
      );
      expect(await demo.exited, demo.output).toEqual({ code: 0, signal: null });
      expect(demo.output).toContain(`OTLP to http://127.0.0.1:${receiver.port}`);
      expect(demo.output).not.toMatch(PROCESS_TRACE);
      const spans = receiver.spans();
      const processing = spans.find((span) => span.name === "process_claim");
      expect(processing?.resource["service.name"]).toBe("crisislen-api");
      const server = spans.find((span) => span.spanId === processing?.parentSpanId);
      expect(server).toMatchObject({ name: "POST /claims/:id/process", kind: 1 });
      expect(
        spans.some((span) => span.parentSpanId === processing?.spanId && span.kind === 2),
      ).toBe(true);
    }, 30_000);
  });
});
