/**
 * The public types of the metric objects in `metrics`: prom-client's call shapes with typed
 * label names. Interfaces, not the classes behind them, so the surface holds what a user calls
 * and nothing of the bookkeeping (series objects, the store) the hot path uses.
 */
import type { MetricSnapshot } from "./metric-object.js";

/**
 * The label object a metric with label names `L` takes; `never` for a metric without labels, so
 * `inc("1")` on such a metric does not compile (`Partial<Record<never, …>>` would be `{}`).
 */
export type LabelArgument<L extends string> = [L] extends [never]
  ? never
  : Partial<Record<L, string | number>>;

/** What every metric object shares. */
interface MetricBase<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Removes every series (as prom-client does); kept references record again. */
  reset(): void;
  /** prom-client's `get()`: the samples, as the registry reads them. */
  get(): MetricSnapshot;
}

/** A monotonically increasing count (prom-client's `Counter` calls). */
export interface Counter<L extends string = string> extends MetricBase<L> {
  readonly type: "counter";
  /**
   * Adds `amount` (default 1). Anything but a finite number ≥ 0 throws an error naming the
   * metric and the value, and records nothing.
   */
  inc(amount?: number): void;
  inc(labels: LabelArgument<L>, amount?: number): void;
  /** A child bound to label values in `labelNames` order; its series exists from the first `inc`. */
  labels(...values: Array<string | number>): { inc(amount?: number): void };
  /** Removes the series with these label values. */
  remove(...values: Array<string | number>): void;
}

/** A distribution of observed values in fixed buckets (prom-client's `Histogram` calls). */
export interface Histogram<L extends string = string> extends MetricBase<L> {
  readonly type: "histogram";
  /** Upper bounds, increasing; `+Inf` is implicit. */
  readonly buckets: readonly number[];
  /** Records a value; anything but a finite number (or one the metric rejects) throws. */
  observe(value: number): void;
  observe(labels: LabelArgument<L>, value: number): void;
  /** Starts a timer; calling the returned function observes the seconds elapsed and returns them. */
  startTimer(
    labels?: Partial<Record<L, string | number>>,
  ): (end?: Partial<Record<L, string | number>>) => number;
  /** A child bound to label values in `labelNames` order; its series exists from the first `observe`. */
  labels(...values: Array<string | number>): { observe(value: number): void };
  /** Removes the series with these label values. */
  remove(...values: Array<string | number>): void;
}

/** A value that goes up and down, without labels (prom-client's `Gauge` calls). */
export interface Gauge extends MetricBase<never> {
  readonly type: "gauge";
  /** Adds `amount` (default 1, a finite number ≥ 0). */
  inc(amount?: number): void;
  /** Subtracts `amount` (default 1, a finite number ≥ 0). */
  dec(amount?: number): void;
  /** Sets the value (a finite number). */
  set(value: number): void;
  /** The current value. */
  readonly value: number;
}
