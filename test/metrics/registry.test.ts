import { Counter as PromCounter, Registry, register } from "prom-client";
import { describe, expect, it } from "vitest";
import { getMetrics, metrics } from "../../src/metrics/crisislen-metrics.js";
import { defaultRegistry } from "../../src/metrics/registry.js";
import { sharedState } from "../../src/kernel/global-state.js";

describe("registries", () => {
  it("uses prom-client's global registry by default, shared through the process-wide state", () => {
    expect(defaultRegistry()).toBe(register);
    expect(sharedState().registry).toBe(register);
    const counter = metrics.httpRequests;
    expect(register.getSingleMetric("http_requests_total")).toBe(counter as unknown);
  });

  it("returns the same metric objects when asked twice for one registry", () => {
    const registry = new Registry();
    const first = getMetrics({ registry });
    const second = getMetrics({ registry });
    expect(second.httpRequests).toBe(first.httpRequests);
    expect(second.riskScore).toBe(first.riskScore);
  });

  it("registers again after the registry was cleared (hot reload) without throwing", async () => {
    const registry = new Registry();
    const first = getMetrics({ registry });
    registry.clear();
    const second = getMetrics({ registry });
    expect(second.httpRequests).not.toBe(first.httpRequests);
    expect((await registry.getMetricsAsJSON()).length).toBe(5);
  });

  it("reuses the metrics of another copy of the package found in the registry", () => {
    const registry = new Registry();
    const first = getMetrics({ registry });
    // A second package copy has its own cache but finds our objects by their shared marker.
    const state = sharedState();
    const saved = state.metricsByRegistry;
    state.metricsByRegistry = new WeakMap();
    try {
      expect(getMetrics({ registry }).httpRequests).toBe(first.httpRequests);
    } finally {
      state.metricsByRegistry = saved;
    }
  });

  it("throws a clear error when the name is taken by a metric of another shape", () => {
    const registry = new Registry();
    new PromCounter({
      name: "http_requests_total",
      help: "theirs",
      labelNames: ["route"],
      registers: [registry],
    });
    expect(() => getMetrics({ registry })).toThrow(
      'the registry already has a metric named "http_requests_total" that is a counter with labels [route] not created by @crisislen/observability; this package needs a counter with labels [method, endpoint, status]',
    );
  });

  it("throws a clear error when the duration histogram exists with other buckets", () => {
    const registry = new Registry();
    getMetrics({ registry, durationBuckets: [0.1, 1] });
    expect(getMetrics({ registry }).httpRequestDuration.buckets).toEqual([0.1, 1]);
    expect(() => getMetrics({ registry, durationBuckets: [0.5, 2] })).toThrow(
      /"http_request_duration_seconds" that is a histogram with labels \[method, endpoint\], buckets \[0.1, 1\]; this package needs a histogram with labels \[method, endpoint\], buckets \[0.5, 2\]/,
    );
  });

  it.each([
    [
      [],
      `durationBuckets must be a non-empty array of finite positive numbers in increasing order, got []`,
    ],
    [
      [0.5, 0.1],
      `durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [0.5, 0.1]`,
    ],
    [
      [0, 1],
      `durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [0, 1]`,
    ],
    [
      [1, Infinity],
      `durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [1, Infinity]`,
    ],
  ])("rejects invalid duration buckets %j at setup", (buckets, message) => {
    expect(() => getMetrics({ registry: new Registry(), durationBuckets: buckets })).toThrow(
      message,
    );
  });

  it("leaves the registry empty until the metrics are first used", async () => {
    const { metrics: lazy } = await import("../../src/metrics/crisislen-metrics.js");
    expect(typeof lazy.countItems).toBe("function");
  });
});
