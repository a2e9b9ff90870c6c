/**
 * `nodejs_gc_duration_seconds`, as prom-client's default metrics expose it (same name, help,
 * `kind` label — major, minor, incremental, weakcb — and buckets), recorded more cheaply and
 * completely:
 * - one `PerformanceObserver` per process feeds every registry's histogram; its callback walks
 *   the entries into series resolved once per kind, with no label object or label hashing per
 *   garbage collection (prom-client's callback builds and hashes a label set each time);
 * - every entry of a callback counts: prom-client's reads only the first, so GCs that Node
 *   delivers together (several in one event-loop turn, common under load) went uncounted.
 * Why not `v8.GCProfiler` (no JavaScript per collection): it formats ~100 heap statistics as JSON
 * in C++ for every collection — measured at ~6× the instructions of this observer per GC — and
 * keeps that text in memory until read. See docs/benchmarks.md.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { sharedSlot } from "../kernel/global-state.js";
import { Histogram, type HistogramSeries } from "./histogram.js";
import type { AnyRegistry } from "./registry.js";
import { getOrRegister } from "./registry.js";

/** The metric name, before the default metrics' prefix. */
export const GC_DURATION_NAME = "nodejs_gc_duration_seconds";
/** prom-client's buckets for it, in seconds. */
export const GC_DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 2, 5]);
const HELP = "Garbage collection duration by kind, one of major, minor, incremental or weakcb.";

/** `kind` label by the GC type Node reports (`entry.detail.kind`). */
const KIND_LABEL: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/** One histogram fed by the observer, with its series looked up once per kind. */
interface Target {
  registry: WeakRef<AnyRegistry>;
  histogram: Histogram<"kind">;
  byKind: Map<number, HistogramSeries>;
}

interface GcObserverState {
  observer: PerformanceObserver | undefined;
  targets: Target[];
}

const state = (): GcObserverState =>
  sharedSlot<GcObserverState>("gcDuration/v1", () => ({ observer: undefined, targets: [] }));

function record(entries: readonly PerformanceEntry[]): void {
  const { targets } = state();
  for (const entry of entries) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    const label = kind === undefined ? undefined : KIND_LABEL[kind];
    if (kind === undefined || label === undefined) continue;
    const seconds = entry.duration / 1000;
    for (const target of targets) {
      let series = target.byKind.get(kind);
      if (series === undefined) {
        series = target.histogram.series([label]);
        target.byKind.set(kind, series);
      }
      series.observe(seconds);
    }
  }
}

/**
 * Registers `<prefix>nodejs_gc_duration_seconds` in `registry` and feeds it from the process's
 * one GC observer. Registering again for the same registry replaces the earlier feed (a registry
 * cleared and set up again); feeds of registries that were garbage-collected are dropped.
 */
export function registerGcDuration(registry: AnyRegistry, prefix: string): void {
  const name = `${prefix}${GC_DURATION_NAME}`;
  const histogram = getOrRegister(
    registry,
    name,
    { type: "histogram", labelNames: ["kind"], buckets: GC_DURATION_BUCKETS },
    () =>
      new Histogram<"kind">({
        name,
        help: HELP,
        labelNames: ["kind"],
        buckets: GC_DURATION_BUCKETS,
      }),
  );
  const gc = state();
  gc.targets = gc.targets.filter((target) => {
    const owner = target.registry.deref();
    return owner !== undefined && !(owner === registry && target.histogram.name === name);
  });
  gc.targets.push({ registry: new WeakRef(registry), histogram, byKind: new Map() });
  if (gc.observer === undefined) {
    gc.observer = new PerformanceObserver((list) => {
      try {
        record(list.getEntries());
      } catch {
        // A metric never throws into the process (this runs outside any request).
      }
    });
    gc.observer.observe({ entryTypes: ["gc"] });
  }
}
