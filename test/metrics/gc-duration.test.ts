/**
 * nodejs_gc_duration_seconds from our own GC observer (src/metrics/gc-duration.ts): real garbage
 * collections, forced with V8's `gc()`, counted per kind exactly as Node reports them (compared
 * with an independent PerformanceObserver over the same window), in the series, help, buckets
 * and label dashboards use, and promtool-clean.
 */
import { execFile } from "node:child_process";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fastify from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { ensureDefaultMetrics } from "../../src/metrics/default-metrics.js";
import { OWN_METRIC } from "../../src/metrics/metric-object.js";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { parseExposition, select, valueOf, type Sample } from "../support/exposition.js";

setFlagsFromString("--expose-gc");
/**
 * V8's `gc([{ type: "minor" }])`, without starting vitest with --expose-gc. A major collection is
 * `gc()` with no options: Node 20's V8 reports `gc({ type: "major" })` as a minor one.
 */
const gc = runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
} as Record<number, string>;

/** Both observers have run once the entries of the collections so far were dispatched. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Counts GC entries per kind independently of the code under test. */
function referenceCounter(): { counts: Record<string, number>; stop: () => void } {
  const counts: Record<string, number> = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? "?";
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return { counts, stop: () => observer.disconnect() };
}

const gcCount = (samples: Sample[], kind: string, name = "nodejs_gc_duration_seconds_count") =>
  select(samples, name, { kind })[0]?.value ?? 0;

async function scrape(registry: Registry): Promise<Sample[]> {
  return parseExposition(await renderRegistry(registry, false));
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("nodejs_gc_duration_seconds", () => {
  it("counts every forced collection in its kind, several in one turn included", async () => {
    const registry = new Registry();
    ensureDefaultMetrics(registry, "");
    await settle();
    const before = await scrape(registry);
    const reference = referenceCounter();
    cleanups.push(reference.stop);
    // Delivered to the observers together: prom-client's callback counted only the first.
    gc();
    gc();
    gc();
    gc({ type: "minor" });
    gc({ type: "minor" });
    await settle();
    const after = await scrape(registry);
    expect(reference.counts.major).toBeGreaterThanOrEqual(3);
    expect(reference.counts.minor).toBeGreaterThanOrEqual(2);
    for (const kind of ["major", "minor", "incremental", "weakcb"]) {
      expect(gcCount(after, kind) - gcCount(before, kind), kind).toBe(reference.counts[kind] ?? 0);
    }
    // Durations are recorded in seconds: the sum grew, and by less than the test took.
    const grown =
      gcCount(after, "major", "nodejs_gc_duration_seconds_sum") -
      gcCount(before, "major", "nodejs_gc_duration_seconds_sum");
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(5);
  });

  it("keeps prom-client's help, type, buckets and kind label, and is our histogram (no prom-client GC observer)", async () => {
    const registry = new Registry();
    ensureDefaultMetrics(registry, "");
    gc();
    await settle();
    const text = await renderRegistry(registry, false);
    expect(text).toContain(
      "# HELP nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.\n# TYPE nodejs_gc_duration_seconds histogram\n",
    );
    const buckets = select(parseExposition(text), "nodejs_gc_duration_seconds_bucket", {
      kind: "major",
    }).map((sample) => sample.labels.le);
    expect(buckets).toEqual(["0.001", "0.01", "0.1", "1", "2", "5", "+Inf"]);
    const metric = registry.getSingleMetric("nodejs_gc_duration_seconds") as unknown;
    expect((metric as Record<symbol, unknown>)[OWN_METRIC]).toBe(true);
    // The other default metrics are still prom-client's own.
    expect(registry.getSingleMetric("process_cpu_user_seconds_total")).toBeDefined();
    expect(registry.getSingleMetric("nodejs_eventloop_lag_seconds")).toBeDefined();
  });

  it("passes promtool check metrics", async () => {
    const registry = new Registry();
    ensureDefaultMetrics(registry, "app_");
    gc();
    gc({ type: "minor" });
    await settle();
    const text = (await renderRegistry(registry, false))
      .split("\n")
      .filter((line) => line.includes("gc_duration"))
      .join("\n");
    expect(text).toContain('app_nodejs_gc_duration_seconds_count{kind="major"}');
    const child = execFile("promtool", ["check", "metrics"], { timeout: 20_000 });
    let output = "";
    child.stdout?.on("data", (chunk: string) => (output += chunk));
    child.stderr?.on("data", (chunk: string) => (output += chunk));
    child.stdin?.end(`${text}\n`);
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("feeds a registry set up again after clear() once, not twice", async () => {
    const registry = new Registry();
    ensureDefaultMetrics(registry, "");
    registry.clear();
    ensureDefaultMetrics(registry, "");
    const reference = referenceCounter();
    cleanups.push(reference.stop);
    gc();
    await settle();
    expect(
      valueOf(await scrape(registry), "nodejs_gc_duration_seconds_count", { kind: "major" }),
    ).toBe(reference.counts.major);
  });

  it("is served by the Fastify plugin and the Express middleware with their defaults", async () => {
    const registry = new Registry();
    const app = fastify();
    cleanups.push(() => app.close());
    await app.register(metricsPlugin, { registry });
    gc();
    await settle();
    const samples = parseExposition((await app.inject({ url: "/metrics" })).body);
    expect(gcCount(samples, "major")).toBeGreaterThanOrEqual(1);
    const other = new Registry();
    metricsMiddleware({ registry: other });
    gc();
    await settle();
    expect(gcCount(await scrape(other), "major")).toBeGreaterThanOrEqual(1);
  });
});
