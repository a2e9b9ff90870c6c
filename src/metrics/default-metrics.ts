/**
 * prom-client's default process metrics (CPU, memory, heap spaces, event loop lag, GC, handles,
 * file descriptors, Node version), registered at most once per registry — across plugin
 * registrations, apps, and copies of this package — and never clashing with a
 * `collectDefaultMetrics()` call the application made itself.
 */
import { collectDefaultMetrics } from "prom-client";
import { sharedSlot } from "../kernel/global-state.js";
import { PACKAGE_NAME, warnOnce } from "../kernel/logger.js";
import type { AnyRegistry } from "./registry.js";
import { ensureRuntimeHealthMetrics } from "./runtime-health.js";

/** A metric every prom-client version registers among the defaults; its presence means "done". */
const MARKER = "process_cpu_user_seconds_total";

const registered = () =>
  sharedSlot("defaultMetricsByRegistry", () => new WeakMap<AnyRegistry, string>());

/**
 * Registers the default process metrics in `registry` with names prefixed by `prefix`, unless
 * they are there already (registered by us, another copy, or the application). A registry
 * that has them under another prefix keeps those, with a warning. Throws a clear `Error` when
 * prom-client refuses (a name taken by another metric).
 */
export function ensureDefaultMetrics(registry: AnyRegistry, prefix: string): void {
  if (registry.getSingleMetric(`${prefix}${MARKER}`) !== undefined) {
    registered().set(registry, prefix);
    ensureRuntimeHealthMetrics(registry, prefix);
    return;
  }
  const earlier = registered().get(registry);
  if (earlier !== undefined && registry.getSingleMetric(`${earlier}${MARKER}`) !== undefined) {
    warnOnce(
      "default-metrics-prefix",
      `default metrics are already registered with prefix ${JSON.stringify(earlier)}; ` +
        `keeping them instead of adding a second set with prefix ${JSON.stringify(prefix)}`,
    );
    return;
  }
  try {
    collectDefaultMetrics({ register: registry, prefix });
  } catch (error) {
    throw new Error(
      `${PACKAGE_NAME}: registering the default process metrics failed (${(error as Error).message}); ` +
        "pass defaultMetrics: false, or another prefix",
      { cause: error },
    );
  }
  registered().set(registry, prefix);
  ensureRuntimeHealthMetrics(registry, prefix);
}
