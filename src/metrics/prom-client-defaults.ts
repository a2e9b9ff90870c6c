/**
 * prom-client's default process metrics with `nodejs_gc_duration_seconds` collected by
 * ./gc-duration.ts instead of prom-client's own GC observer. Each default metric is a module of
 * prom-client (`lib/metrics/<name>.js`) that `collectDefaultMetrics` calls in turn, listed in
 * `collectDefaultMetrics.metricsList`; this calls them the same way, all but `gc`. A prom-client
 * whose layout differs (a future version with an `exports` map) gets `collectDefaultMetrics`
 * itself, GC observer included.
 */
import { createRequire } from "node:module";
import { collectDefaultMetrics } from "prom-client";
import { registerGcDuration } from "./gc-duration.js";
import type { AnyRegistry } from "./registry.js";

type DefaultMetric = (registry: AnyRegistry, config: object) => void;

/** prom-client's own default for `collectDefaultMetrics`. */
const EVENT_LOOP_MONITORING_PRECISION = 10;

let requireHere: NodeJS.Require | undefined;

/** prom-client's default metric modules but `gc`, or `undefined` when they cannot be loaded. */
function defaultMetricModules(): DefaultMetric[] | undefined {
  const names = (collectDefaultMetrics as { metricsList?: unknown }).metricsList;
  if (!Array.isArray(names) || !names.includes("gc")) return undefined;
  // In the CJS build `import.meta` is empty, in the ESM build `__filename` is undefined.
  requireHere ??= createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  try {
    return names
      .filter((name) => name !== "gc")
      .map((name) => requireHere?.(`prom-client/lib/metrics/${String(name)}.js`) as unknown)
      .map((loaded) => {
        if (typeof loaded !== "function") throw new TypeError("not a default metric");
        return loaded as DefaultMetric;
      });
  } catch {
    return undefined;
  }
}

/**
 * Registers prom-client's default metrics in `registry`, names prefixed with `prefix`, the GC
 * duration histogram through ./gc-duration.ts. Throws what prom-client throws (a name taken).
 */
export function collectProcessMetrics(registry: AnyRegistry, prefix: string): void {
  const modules = defaultMetricModules();
  if (modules === undefined) {
    collectDefaultMetrics({ register: registry, prefix });
    return;
  }
  const config = {
    register: registry,
    prefix,
    eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION,
  };
  for (const collect of modules) collect(registry, config);
  registerGcDuration(registry, prefix);
}
