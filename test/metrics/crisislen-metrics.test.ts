import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { getMetrics } from "../../src/metrics/crisislen-metrics.js";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";

const fresh = () => {
  const registry = new Registry();
  return { registry, metrics: getMetrics({ registry }) };
};

const scrape = async (registry: Registry) => parseExposition(await renderRegistry(registry, false));

describe("the five metrics", () => {
  it("are registered with the spec's names, types and labels", async () => {
    const { registry } = fresh();
    const text = await renderRegistry(registry, false);
    expect(text).toContain("# TYPE http_requests_total counter");
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toContain("# TYPE crisislen_items_processed_total counter");
    expect(text).toContain("# TYPE crisislen_workflows_active gauge");
    expect(text).toContain("# TYPE crisislen_risk_score histogram");
    const json = await registry.getMetricsAsJSON();
    expect(json.map((metric) => metric.name).sort()).toEqual([
      "crisislen_items_processed_total",
      "crisislen_risk_score",
      "crisislen_workflows_active",
      "http_request_duration_seconds",
      "http_requests_total",
    ]);
  });

  it("prints the risk-score bucket bounds exactly as written", async () => {
    const { registry } = fresh();
    const samples = await scrape(registry);
    expect(select(samples, "crisislen_risk_score_bucket").map((s) => s.labels.le)).toEqual([
      "0.1",
      "0.2",
      "0.3",
      "0.4",
      "0.5",
      "0.6",
      "0.7",
      "0.8",
      "0.9",
      "1",
      "+Inf",
    ]);
  });

  it("prints the default duration buckets exactly as written", async () => {
    const { registry, metrics } = fresh();
    metrics.httpRequestDuration.observe({ method: "GET", endpoint: "/x" }, 0.07);
    const samples = await scrape(registry);
    expect(select(samples, "http_request_duration_seconds_bucket").map((s) => s.labels.le)).toEqual(
      [
        "0.005",
        "0.01",
        "0.025",
        "0.05",
        "0.075",
        "0.1",
        "0.25",
        "0.5",
        "0.75",
        "1",
        "2.5",
        "5",
        "7.5",
        "10",
        "+Inf",
      ],
    );
    expect(valueOf(samples, "http_request_duration_seconds_bucket", { le: "0.05" })).toBe(0);
    expect(valueOf(samples, "http_request_duration_seconds_bucket", { le: "0.075" })).toBe(1);
    expect(valueOf(samples, "http_request_duration_seconds_count")).toBe(1);
  });

  it("counts bucket boundaries as inclusive upper bounds", async () => {
    const { registry, metrics } = fresh();
    for (const score of [0, 0.1, 0.3, 0.7, 1]) metrics.recordRiskScore(score);
    const samples = await scrape(registry);
    expect(valueOf(samples, "crisislen_risk_score_bucket", { le: "0.1" })).toBe(2);
    expect(valueOf(samples, "crisislen_risk_score_bucket", { le: "0.3" })).toBe(3);
    expect(valueOf(samples, "crisislen_risk_score_bucket", { le: "0.7" })).toBe(4);
    expect(valueOf(samples, "crisislen_risk_score_bucket", { le: "1" })).toBe(5);
    expect(valueOf(samples, "crisislen_risk_score_sum")).toBeCloseTo(2.1, 10);
  });
});

describe("domain helpers", () => {
  it("countItems adds the count, default 1", async () => {
    const { registry, metrics } = fresh();
    metrics.countItems();
    metrics.countItems(4);
    expect(valueOf(await scrape(registry), "crisislen_items_processed_total")).toBe(5);
  });

  it.each([
    [-1, "crisislen_items_processed_total count must be a finite number ≥ 0, got -1"],
    [Number.NaN, "crisislen_items_processed_total count must be a finite number ≥ 0, got NaN"],
    [Infinity, "crisislen_items_processed_total count must be a finite number ≥ 0, got Infinity"],
    ["3", 'crisislen_items_processed_total count must be a finite number ≥ 0, got "3"'],
  ])(
    "countItems(%s) throws naming the metric and the value, and records nothing",
    async (bad, message) => {
      const { registry, metrics } = fresh();
      expect(() => metrics.countItems(bad as number)).toThrow(message);
      expect(valueOf(await scrape(registry), "crisislen_items_processed_total")).toBe(0);
    },
  );

  it.each([
    [1.5, RangeError, "crisislen_risk_score value must be a number from 0 to 1, got 1.5"],
    [-0.1, RangeError, "crisislen_risk_score value must be a number from 0 to 1, got -0.1"],
    [Number.NaN, RangeError, "crisislen_risk_score value must be a finite number, got NaN"],
    [null, TypeError, "crisislen_risk_score value must be a finite number, got null"],
  ])("recordRiskScore(%s) throws %s and records nothing", async (bad, type, message) => {
    const { registry, metrics } = fresh();
    expect(() => metrics.recordRiskScore(bad as number)).toThrow(type);
    expect(() => metrics.recordRiskScore(bad as number)).toThrow(message);
    expect(() => metrics.riskScore.observe(bad as number)).toThrow(message);
    expect(valueOf(await scrape(registry), "crisislen_risk_score_count")).toBe(0);
  });

  it("rejects a negative increment on the counters and a non-finite gauge value", () => {
    const { metrics } = fresh();
    expect(() => metrics.itemsProcessed.inc(-2)).toThrow(
      "crisislen_items_processed_total increment must be a finite number ≥ 0, got -2",
    );
    expect(() =>
      metrics.httpRequests.inc({ method: "GET", endpoint: "/", status: "200" }, -1),
    ).toThrow("http_requests_total increment must be a finite number ≥ 0, got -1");
    expect(() => metrics.workflowsActive.set(Number.NaN)).toThrow(
      "crisislen_workflows_active value must be a finite number, got NaN",
    );
    expect(() => metrics.httpRequests.inc({ route: "/x" } as never)).toThrow(
      /http_requests_total label names must be among \(method, endpoint, status\), got "route"/,
    );
  });

  it("trackWorkflow keeps the gauge up while sync work runs, and brings it back down", async () => {
    const { registry, metrics } = fresh();
    const result = metrics.trackWorkflow(() => {
      expect(metrics.workflowsActive.value).toBe(1);
      return 42;
    });
    expect(result).toBe(42);
    expect(metrics.workflowsActive.value).toBe(0);
    expect(() =>
      metrics.trackWorkflow(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(valueOf(await scrape(registry), "crisislen_workflows_active")).toBe(0);
  });

  it("trackWorkflow brings the gauge down when async work resolves or rejects", async () => {
    const { metrics } = fresh();
    let release!: () => void;
    const running = metrics.trackWorkflow(
      () => new Promise<string>((resolve) => (release = () => resolve("done"))),
    );
    const failing = metrics.trackWorkflow(async () => {
      throw new Error("nope");
    });
    expect(metrics.workflowsActive.value).toBe(2);
    await expect(failing).rejects.toThrow("nope");
    expect(metrics.workflowsActive.value).toBe(1);
    release();
    await expect(running).resolves.toBe("done");
    expect(metrics.workflowsActive.value).toBe(0);
  });
});
