/**
 * Runtime health that CPU graphs hide, registered beside prom-client's default process metrics
 * (and with them: the same `defaultMetrics` option and prefix):
 *
 * - `nodejs_eventloop_utilization_ratio`: the share of time the event loop was busy since the
 *   previous scrape, from `performance.eventLoopUtilization()`. prom-client 15 has none. A
 *   single-threaded server saturates at 1.0 here while its pod's CPU reads 50 % of 2 cores.
 * - `nodejs_heap_size_limit_bytes`: V8's heap limit (`--max-old-space-size`, or what V8 derived
 *   from the container's memory), beside prom-client's `nodejs_heap_size_used_bytes`.
 *
 * Event-loop delay is not repeated: prom-client's `nodejs_eventloop_lag_p50/p90/p99_seconds`
 * read `monitorEventLoopDelay` and reset at each scrape.
 *
 * Nothing here runs per request: both values are read when the registry is collected.
 */
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { Gauge } from "prom-client";
import type { AnyRegistry } from "./registry.js";

/** Busy share of the event loop since the previous scrape (0–1). */
export const EVENTLOOP_UTILIZATION_RATIO = "nodejs_eventloop_utilization_ratio";
/** V8's heap size limit in bytes. */
export const HEAP_SIZE_LIMIT_BYTES = "nodejs_heap_size_limit_bytes";

function registerUtilization(registry: AnyRegistry, name: string): void {
  // The window starts now: the first scrape reports the time since registration, not since
  // the process started (whose startup work would read as a busy loop).
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  new Gauge({
    name,
    help: "Share of time the event loop was busy (not idle) since the previous scrape, 0 to 1 (performance.eventLoopUtilization()).",
    registers: [registry],
    // Cluster mode: the busiest worker, which is the one whose requests wait.
    aggregator: "max",
    collect() {
      const now = performance.eventLoopUtilization();
      const window = performance.eventLoopUtilization(now, previous);
      // Two collections within the same instant have no window (0 / 0): keep the last value.
      if (window.idle + window.active === 0) return;
      this.set(window.utilization);
      previous = now;
    },
  });
}

function registerHeapLimit(registry: AnyRegistry, name: string): void {
  new Gauge({
    name,
    help: "Size limit of the V8 heap in bytes (v8.getHeapStatistics().heap_size_limit); compare nodejs_heap_size_used_bytes.",
    registers: [registry],
    collect() {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
}

/**
 * Registers the runtime health gauges in `registry` under `prefix`, each unless a metric of
 * that name is already there (registered by another copy of this package, the ESM or CJS
 * build, or before a hot reload).
 */
export function ensureRuntimeHealthMetrics(registry: AnyRegistry, prefix: string): void {
  const utilization = `${prefix}${EVENTLOOP_UTILIZATION_RATIO}`;
  if (registry.getSingleMetric(utilization) === undefined)
    registerUtilization(registry, utilization);
  const heapLimit = `${prefix}${HEAP_SIZE_LIMIT_BYTES}`;
  if (registry.getSingleMetric(heapLimit) === undefined) registerHeapLimit(registry, heapLimit);
}
