/**
 * The gateway's rendered tail-sampling policies applied to traces this package really exports: a
 * Fastify app instrumented with instrumentApp sends OTLP/HTTP (as it would to the agent) to a
 * receiver on 127.0.0.1; each received trace goes through the evaluator. What this proves: a 5xx
 * response, and an error the handler catches inside a traced function, both mark the trace in a
 * way `keep-errors` keeps; a slow request is kept by `keep-slow`; an ordinary one is left to the
 * ratio. No collector binary runs here (see deploy/README.md, "Scaling out").
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { traceFunction } from "../../src/tracing/trace-function.js";
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from "../support/otlp-receiver.js";
import { renderedGatewayPolicies } from "./support/gateway-policies.js";
import {
  tailSamplingDecision,
  type SpanStatus,
  type SyntheticTrace,
  type TailSamplingPolicy,
} from "./support/tail-sampling.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const STATUS: Record<number, SpanStatus> = { 0: "UNSET", 1: "OK", 2: "ERROR" };

function tracesOf(spans: ReceivedSpan[]): Map<string, SyntheticTrace> {
  const traces = new Map<string, SyntheticTrace>();
  for (const span of spans) {
    const trace = traces.get(span.traceId) ?? { traceId: span.traceId, spans: [] };
    trace.spans.push({
      startNs: span.startTimeUnixNano,
      endNs: span.endTimeUnixNano,
      status: STATUS[span.status.code]!,
    });
    traces.set(span.traceId, trace);
  }
  return traces;
}

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("tail sampling of traces the package exports"),
  () => {
    let policies: TailSamplingPolicy[];
    let slowMs: number;
    let receiver: OtlpReceiver;
    let handle: TracingHandle;
    let app: FastifyInstance;
    const traceOf = new Map<string, string>();

    beforeAll(async () => {
      policies = await renderedGatewayPolicies();
      slowMs = policies.find((p) => p.type === "latency")!.latency!.threshold_ms;
      receiver = await startOtlpReceiver();
      app = Fastify();
      // What the tier needs from the app: every trace exported (the head sampler keeps all).
      handle = await instrumentApp(app, {
        endpoint: receiver.url,
        sampler: "parentbased_always_on",
        serviceName: "crisislen-api",
        batch: { scheduledDelayMillis: 50 },
      });
      const score = traceFunction("score_claim")((id: string) => {
        if (id === "bad") throw new Error("policy lookup failed");
        return 0.4;
      });
      app.get("/claims/:id", async (request) => {
        const { id } = request.params as { id: string };
        try {
          return { score: score(id) };
        } catch {
          return { score: null }; // handled: the response is a 200
        }
      });
      app.get("/claims/:id/report", async (_request, reply) => reply.code(500).send({}));
      app.get("/slow", async () => {
        await new Promise((resolve) => setTimeout(resolve, slowMs + 50));
        return {};
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      for (const path of ["/claims/1", "/claims/bad", "/claims/1/report", "/slow"]) {
        const response = await fetch(base + path);
        traceOf.set(path, String(response.status));
      }
      await handle.forceFlush();
      await receiver.waitForSpans(6, 10_000);
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await handle?.shutdown();
      await receiver?.close();
    });

    /** The one trace whose server span is `GET <route>` for the path that was requested. */
    function decisionFor(target: string) {
      const server = receiver
        .spans()
        .filter((s) => s.kind === 1 && s.attributes["url.path"] === target);
      expect(server, `server span for ${target}`).toHaveLength(1);
      const trace = tracesOf(receiver.spans()).get(server[0]!.traceId)!;
      return tailSamplingDecision(policies, trace);
    }

    it("the app answered 200, 200, 500, 200", () => {
      expect([...traceOf.values()]).toEqual(["200", "200", "500", "200"]);
    });

    it("a 5xx response: kept by keep-errors", () => {
      expect(decisionFor("/claims/1/report").by).toContain("keep-errors");
    });

    it("an error caught inside a traced function (the response is a 200): kept by keep-errors", () => {
      expect(decisionFor("/claims/bad").by).toContain("keep-errors");
    });

    it(`a request slower than the threshold: kept by keep-slow`, () => {
      expect(decisionFor("/slow").by).toContain("keep-slow");
    });

    it("an ordinary request: neither an error nor slow, left to the probabilistic ratio", () => {
      const decision = decisionFor("/claims/1");
      expect(decision.by.filter((name) => name !== "sample-the-rest")).toEqual([]);
    });
  },
);
