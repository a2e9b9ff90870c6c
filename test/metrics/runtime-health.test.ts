import { getHeapStatistics } from "node:v8";
import { collectDefaultMetrics, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { ensureRuntimeHealthMetrics } from "../../src/metrics/runtime-health.js";
import { parseExposition, valueOf } from "../support/exposition.js";

const UTILIZATION = "nodejs_eventloop_utilization_ratio";
const HEAP_LIMIT = "nodejs_heap_size_limit_bytes";

async function scrape(registry: Registry, name: string): Promise<number> {
  return valueOf(parseExposition(await registry.metrics()), name);
}

/** Keeps the event loop busy for `ms` of wall-clock time. */
function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("runtime health metrics", () => {
  it("reports V8's heap size limit exactly, beside prom-client's heap used", async () => {
    const registry = new Registry();
    metricsMiddleware({ registry });
    const samples = parseExposition(await registry.metrics());
    expect(valueOf(samples, HEAP_LIMIT)).toBe(getHeapStatistics().heap_size_limit);
    expect(valueOf(samples, "nodejs_heap_size_used_bytes")).toBeLessThan(
      valueOf(samples, HEAP_LIMIT),
    );
  });

  it("reports the event loop's busy share since the previous scrape: about 1 after sync work, low after idling", async () => {
    const registry = new Registry();
    ensureRuntimeHealthMetrics(registry, "");
    await scrape(registry, UTILIZATION); // starts a window
    burn(300);
    const busy = await scrape(registry, UTILIZATION);
    await sleep(300);
    const idle = await scrape(registry, UTILIZATION);
    expect(busy).toBeGreaterThan(0.9);
    expect(busy).toBeLessThanOrEqual(1);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThan(0.3);
  });

  it("gives each registry its own window", async () => {
    const [a, b] = [new Registry(), new Registry()];
    ensureRuntimeHealthMetrics(a, "");
    ensureRuntimeHealthMetrics(b, "");
    await scrape(a, UTILIZATION);
    await sleep(200);
    await scrape(b, UTILIZATION); // b's window: 200 ms idle, then the burn below
    burn(200);
    expect(await scrape(a, UTILIZATION)).toBeLessThan(0.75); // 200 ms busy in about 400 ms
    expect(await scrape(b, UTILIZATION)).toBeGreaterThan(0.9); // 200 ms busy in 200 ms
  });

  it("registers once per registry and prefix, and again after registry.clear()", async () => {
    const registry = new Registry();
    ensureRuntimeHealthMetrics(registry, "");
    expect(() => ensureRuntimeHealthMetrics(registry, "")).not.toThrow();
    ensureRuntimeHealthMetrics(registry, "app_");
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual(
      [`app_${HEAP_LIMIT}`, `app_${UTILIZATION}`, HEAP_LIMIT, UTILIZATION].sort(),
    );
    registry.clear();
    ensureRuntimeHealthMetrics(registry, "");
    expect(await scrape(registry, HEAP_LIMIT)).toBeGreaterThan(0);
  });

  it("is added to a registry whose default metrics the application collects itself", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    metricsMiddleware({ registry });
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain(UTILIZATION);
    expect(names).toContain(HEAP_LIMIT);
    expect(names.length).toBe(new Set(names).size);
  });

  it("takes the busiest worker in cluster aggregation", async () => {
    const registry = new Registry();
    ensureRuntimeHealthMetrics(registry, "");
    const metric = registry.getSingleMetric(UTILIZATION) as unknown as { aggregator: string };
    expect(metric.aggregator).toBe("max");
  });
});
