/**
 * The shape prom-client's `Registry` reads from a metric (`get()`), so our metric classes can
 * live in a user's prom-client registry next to their own metrics.
 */
import { sharedSymbol } from "../kernel/global-state.js";

/** An exemplar attached to a sample (OpenMetrics only). */
export interface ExemplarValue {
  labelSet: Record<string, string>;
  value: number;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** One sample line. */
export interface SampleValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: ExemplarValue | null;
}

/** What `get()` returns. */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary";
  values: SampleValue[];
  aggregator: string;
}

/** Marks our metric classes across package copies (a `Symbol.for`, so every copy sees it). */
export const OWN_METRIC = sharedSymbol("metric");

/** Description of a metric, compared when the same name is registered again. */
export interface MetricShape {
  type: MetricSnapshot["type"];
  labelNames: readonly string[];
  buckets?: readonly number[];
  /** Quantiles of a summary. */
  percentiles?: readonly number[];
}
