/**
 * The gateway's tail-sampling policies, as the chart renders them, tested as data: the evaluator
 * (support/tail-sampling.ts, a port of the collector's policy code) decides synthetic traces and
 * traces the package really exported from a Fastify app. No collector binary runs here; what the
 * real processor adds on top (decision_wait timing, memory limits) is not exercised.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { renderedGatewayPolicies } from "./support/gateway-policies.js";
import {
  fnv1a64,
  probabilisticThreshold,
  tailSamplingDecision,
  type SpanStatus,
  type SyntheticTrace,
  type TailSamplingPolicy,
} from "./support/tail-sampling.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const MAX_UINT64 = 2n ** 64n - 1n;

/** Deterministic, well-spread trace ids. */
const traceId = (i: number) => createHash("sha256").update(`trace-${i}`).digest("hex").slice(0, 32);

/** A root span of `durationMs` with two children inside it; `childStatus` on the second child. */
function synthetic(
  i: number,
  durationMs: number,
  childStatus: SpanStatus = "UNSET",
): SyntheticTrace {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n;
  const end = start + BigInt(Math.round(durationMs * 1e6));
  return {
    traceId: traceId(i),
    spans: [
      { startNs: start, endNs: end, status: "UNSET" },
      { startNs: start + 100_000n, endNs: start + 200_000n, status: "OK" },
      { startNs: start + 300_000n, endNs: start + 400_000n, status: childStatus },
    ],
  };
}

describe("the evaluator follows the collector's arithmetic", () => {
  it("FNV-1a 64 matches the published test vectors", () => {
    expect(fnv1a64(new Uint8Array())).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(Buffer.from("a"))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(Buffer.from("foobar"))).toBe(0x85944171f73967e8n);
  });

  it("thresholds: 0 % → 0, 50 % → 2^63 − 1, 100 % and above → MaxUint64, negative → 0", () => {
    expect(probabilisticThreshold(0)).toBe(0n);
    expect(probabilisticThreshold(-50)).toBe(0n);
    expect(probabilisticThreshold(50)).toBe(2n ** 63n - 1n);
    expect(probabilisticThreshold(100)).toBe(MAX_UINT64);
    expect(probabilisticThreshold(150)).toBe(MAX_UINT64);
  });

  it("an unknown policy type throws instead of guessing", () => {
    expect(() =>
      tailSamplingDecision([{ name: "r", type: "rate_limiting" }], synthetic(1, 5)),
    ).toThrow("policy r: type rate_limiting is not evaluated here");
  });
});

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("tail sampling: the rendered gateway policies"),
  () => {
    let policies: TailSamplingPolicy[];
    let threshold: number;
    let percentage: number;

    beforeAll(async () => {
      policies = await renderedGatewayPolicies();
      threshold = policies.find((p) => p.type === "latency")!.latency!.threshold_ms;
      percentage = policies.find((p) => p.type === "probabilistic")!.probabilistic!
        .sampling_percentage;
    }, 60_000);

    it("render: errors kept, slow ≥ 500 ms kept, 10 % of the rest", () => {
      expect(policies).toEqual([
        { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
        { name: "keep-slow", type: "latency", latency: { threshold_ms: 500 } },
        {
          name: "sample-the-rest",
          type: "probabilistic",
          probabilistic: { sampling_percentage: 10 },
        },
      ]);
    });

    it("keeps every trace with an ERROR span, whatever its trace id (2,000 fast traces)", () => {
      for (let i = 0; i < 2_000; i++) {
        const decision = tailSamplingDecision(policies, synthetic(i, 5, "ERROR"));
        expect(decision.kept, traceId(i)).toBe(true);
        expect(decision.by).toContain("keep-errors");
      }
    });

    it("keeps every trace lasting the threshold or longer; one millisecond less is left to the ratio", () => {
      let keptJustBelow = 0;
      for (let i = 0; i < 2_000; i++) {
        const slow = tailSamplingDecision(policies, synthetic(i, threshold));
        expect(slow.kept).toBe(true);
        expect(slow.by).toContain("keep-slow");
        const below = tailSamplingDecision(policies, synthetic(i, threshold - 1));
        expect(below.by).not.toContain("keep-slow");
        if (below.kept) keptJustBelow++;
      }
      expect(keptJustBelow / 2_000).toBeGreaterThan(0.07);
      expect(keptJustBelow / 2_000).toBeLessThan(0.13);
    });

    it("keeps the rendered percentage of fast, successful traces (20,000 trace ids, ±0.5 points), the same answer every time", () => {
      const kept = Array.from({ length: 20_000 }, (_, i) =>
        tailSamplingDecision(policies, synthetic(i, 20)),
      );
      const share = (kept.filter((d) => d.kept).length / kept.length) * 100;
      expect(share).toBeGreaterThan(percentage - 0.5);
      expect(share).toBeLessThan(percentage + 0.5);
      expect(kept.filter((d) => d.kept).every((d) => d.by.join() === "sample-the-rest")).toBe(true);
      // A decision is a function of the trace id: two gateway pods would agree.
      for (let i = 0; i < 500; i++) {
        expect(tailSamplingDecision(policies, synthetic(i, 20)).kept).toBe(kept[i]!.kept);
      }
    });

    it("the ratio and the threshold are values: a values file after the shipped one changes what is kept", async () => {
      const override = await renderedGatewayPolicies([
        {
          config: {
            processors: {
              tail_sampling: {
                policies: [
                  policies[0],
                  { name: "keep-slow", type: "latency", latency: { threshold_ms: 1000 } },
                  {
                    name: "sample-the-rest",
                    type: "probabilistic",
                    probabilistic: { sampling_percentage: 25 },
                  },
                ],
              },
            },
          },
        },
      ]);
      const fast = Array.from({ length: 20_000 }, (_, i) =>
        tailSamplingDecision(override, synthetic(i, 20)),
      );
      const share = (fast.filter((d) => d.kept).length / fast.length) * 100;
      expect(share).toBeGreaterThan(24.5);
      expect(share).toBeLessThan(25.5);
      expect(tailSamplingDecision(override, synthetic(7, 999)).by).not.toContain("keep-slow");
      expect(tailSamplingDecision(override, synthetic(7, 1000)).by).toContain("keep-slow");
    }, 60_000);
  },
);
