import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { sharedState } from "../../src/kernel/global-state.js";
import { resetLogRateLimit } from "../../src/kernel/logger.js";
import { parseExposition, seriesCount } from "../support/exposition.js";
import { captureLogs, closeAll, FRAMEWORKS, startApp } from "./support.js";

beforeEach(() => resetLogRateLimit());
afterEach(closeAll);

async function names(registry: Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((metric) => metric.name);
}

describe.each(FRAMEWORKS)("defaultMetrics on %s", (framework) => {
  it("registers prom-client's process metrics by default, served next to ours", async () => {
    const app = await startApp(framework);
    const samples = await app.scrape();
    expect(seriesCount(samples, "process_cpu_user_seconds_total")).toBe(1);
    expect(seriesCount(samples, "nodejs_eventloop_lag_seconds")).toBe(1);
    expect(seriesCount(samples, "nodejs_heap_size_used_bytes")).toBe(1);
    expect(seriesCount(samples, "nodejs_active_handles_total")).toBe(1);
    expect(seriesCount(samples, "nodejs_version_info")).toBe(1);
    // and the runtime health beside them (src/metrics/runtime-health.ts)
    expect(seriesCount(samples, "nodejs_eventloop_utilization_ratio")).toBe(1);
    expect(seriesCount(samples, "nodejs_heap_size_limit_bytes")).toBe(1);
  });

  it("prefixes their names with defaultMetrics.prefix", async () => {
    const app = await startApp(framework, { defaultMetrics: { prefix: "crisislen_" } });
    const samples = await app.scrape();
    expect(seriesCount(samples, "crisislen_process_cpu_user_seconds_total")).toBe(1);
    expect(seriesCount(samples, "process_cpu_user_seconds_total")).toBe(0);
    expect(seriesCount(samples, "crisislen_nodejs_eventloop_utilization_ratio")).toBe(1);
    expect(seriesCount(samples, "nodejs_eventloop_utilization_ratio")).toBe(0);
  });

  it("registers none with defaultMetrics: false", async () => {
    const app = await startApp(framework, { defaultMetrics: false });
    expect((await names(app.registry)).sort()).toEqual([
      "crisislen_items_processed_total",
      "crisislen_risk_score",
      "crisislen_workflows_active",
      "http_request_duration_seconds",
      "http_requests_total",
    ]);
  });
});

describe("defaultMetrics – once per registry", () => {
  it("registers one set however many plugins, apps and middlewares share the registry", async () => {
    const registry = new Registry();
    const first = fastify5();
    const second = fastify5();
    await first.register(metricsPlugin, { registry });
    await first.register(metricsPlugin, { registry });
    await second.register(metricsPlugin, { registry, metricsPath: false });
    metricsMiddleware({ registry });
    metricsMiddleware({ registry, defaultMetrics: {} });
    const samples = parseExposition((await first.inject({ url: "/metrics" })).body);
    expect(seriesCount(samples, "process_cpu_user_seconds_total")).toBe(1);
    const all = await names(registry);
    expect(all.length).toBe(new Set(all).size);
    await Promise.all([first.close(), second.close()]);
  });

  it("leaves a registry alone where the application already collects them", () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    expect(() => metricsMiddleware({ registry })).not.toThrow();
  });

  it("is idempotent across package copies (another copy has its own module state)", () => {
    const registry = new Registry();
    metricsMiddleware({ registry });
    const state = sharedState();
    const saved = state.defaultMetricsByRegistry;
    delete state.defaultMetricsByRegistry;
    try {
      expect(() => metricsMiddleware({ registry })).not.toThrow();
    } finally {
      state.defaultMetricsByRegistry = saved;
    }
  });

  it("registers them again after the registry was cleared (hot reload)", async () => {
    const registry = new Registry();
    metricsMiddleware({ registry });
    registry.clear();
    metricsMiddleware({ registry });
    expect(await names(registry)).toContain("process_cpu_user_seconds_total");
  });

  it("keeps the first set, with a warning, when a later setup asks for another prefix", async () => {
    const registry = new Registry();
    metricsMiddleware({ registry, defaultMetrics: { prefix: "a_" } });
    const logs = await captureLogs(async () => {
      metricsMiddleware({ registry, defaultMetrics: { prefix: "b_" } });
    });
    expect(logs).toEqual([
      '@crisislen/observability: default metrics are already registered with prefix "a_"; keeping them instead of adding a second set with prefix "b_"',
    ]);
    const all = await names(registry);
    expect(all).toContain("a_process_cpu_user_seconds_total");
    expect(all).not.toContain("b_process_cpu_user_seconds_total");
  });

  it("rejects a value that is not a boolean or { prefix }, and an invalid prefix", async () => {
    expect(() => metricsMiddleware({ defaultMetrics: "yes" as never })).toThrow(
      '@crisislen/observability: defaultMetrics must be a boolean or { prefix?: string }, got "yes"',
    );
    expect(() => metricsMiddleware({ defaultMetrics: { prefix: "1-app" } })).toThrow(
      'defaultMetrics.prefix must be a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got "1-app"',
    );
    const app = fastify5();
    await expect(
      app.register(metricsPlugin, { defaultMetrics: { prefix: "my app" } }),
    ).rejects.toThrow(TypeError);
    await app.close();
  });
});
