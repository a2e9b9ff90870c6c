/** The types of `metrics.*`: the five metric objects and the domain helpers. */
import { describe, expectTypeOf, it } from "vitest";
import { getMetrics, metrics } from "../../src/index.js";
import type { CrisisLensMetrics, Counter, Gauge, Histogram } from "../../src/index.js";

describe("metrics", () => {
  it("holds the five metrics with their label names", () => {
    expectTypeOf(metrics).toEqualTypeOf<CrisisLensMetrics>();
    expectTypeOf(getMetrics()).toEqualTypeOf<CrisisLensMetrics>();
    expectTypeOf(metrics.httpRequests).toEqualTypeOf<Counter<"method" | "endpoint" | "status">>();
    expectTypeOf(metrics.httpRequestDuration).toEqualTypeOf<Histogram<"method" | "endpoint">>();
    expectTypeOf(metrics.itemsProcessed).toEqualTypeOf<Counter<never>>();
    expectTypeOf(metrics.workflowsActive).toEqualTypeOf<Gauge>();
    expectTypeOf(metrics.riskScore).toEqualTypeOf<Histogram<never>>();
  });

  it("domain helpers take numbers and keep the type of the tracked work", () => {
    expectTypeOf(metrics.countItems).toEqualTypeOf<(count?: number) => void>();
    expectTypeOf(metrics.recordRiskScore).toEqualTypeOf<(score: number) => void>();
    expectTypeOf(metrics.trackWorkflow(() => 42)).toEqualTypeOf<number>();
    expectTypeOf(metrics.trackWorkflow(async () => "done")).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error a count is a number
    metrics.countItems("3");
    // @ts-expect-error a risk score is a number
    metrics.recordRiskScore("0.4");
    // @ts-expect-error trackWorkflow takes a function
    metrics.trackWorkflow(Promise.resolve());
  });

  it("the metric objects keep prom-client's call shapes and typed label names", () => {
    metrics.itemsProcessed.inc();
    metrics.itemsProcessed.inc(3);
    metrics.workflowsActive.inc();
    metrics.workflowsActive.dec();
    metrics.workflowsActive.set(2);
    metrics.riskScore.observe(0.4);
    metrics.httpRequests.inc({ method: "GET", endpoint: "/claims/:id", status: 200 });
    metrics.httpRequestDuration.observe({ method: "GET", endpoint: "/claims/:id" }, 0.1);
    expectTypeOf(metrics.httpRequestDuration.startTimer({ method: "GET" })).returns.toBeNumber();
    // The label parameter names the metric's labels, and other names are rejected.
    metrics.httpRequests.inc({ method: "GET", endpoint: "/claims/:id", status: 200 });
    metrics.httpRequests.inc({ method: "GET" }, 2);
    metrics.httpRequests.inc(3);
    metrics.httpRequestDuration.observe({ method: "GET", endpoint: "/claims/:id" }, 0.2);
    metrics.httpRequestDuration.observe(0.2);
    // @ts-expect-error http_requests_total has no label "route"
    metrics.httpRequests.inc({ route: "/x" });
    // @ts-expect-error http_request_duration_seconds has no label "status"
    metrics.httpRequestDuration.observe({ status: "200" }, 0.1);
    // @ts-expect-error an amount is a number
    metrics.itemsProcessed.inc("1");
    // @ts-expect-error crisislen_risk_score has no labels
    metrics.riskScore.observe({ method: "GET" }, 0.4);
    // @ts-expect-error a gauge value is a number
    metrics.workflowsActive.set("2");
    // @ts-expect-error an observed value is a number
    metrics.httpRequestDuration.observe({ method: "GET" }, "0.4");
  });
});
