/**
 * A counter compatible with prom-client's `Registry` and `Counter` API (`inc`, `labels`,
 * `remove`, `reset`, `get`), with input validation that names the metric, and bound series for
 * a hot path that does no label hashing per request.
 */
import { requireNonNegative } from "./errors.js";
import type { MetricSnapshot, SampleValue } from "./metric-object.js";
import type { LabelArgument, LabelValues, SeriesBase } from "./series-store.js";
import type { SeriesStore } from "./series-store.js";
import { LabelledMetric } from "./labelled-metric.js";

/** One counter series. `inc` is unchecked: internal callers pass valid values. */
export class CounterSeries implements SeriesBase {
  value = 0;
  detached = false;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly store: SeriesStore<CounterSeries>,
  ) {}

  inc(amount = 1): void {
    if (this.detached) {
      this.store.reattach(this).inc(amount);
      return;
    }
    this.value += amount;
  }
}

/** Options of {@link Counter}. */
export interface CounterConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** A monotonically increasing count. */
export class Counter<L extends string = string> extends LabelledMetric<CounterSeries, L> {
  readonly type = "counter" as const;

  constructor(config: CounterConfig<L>) {
    super(config, (labels, store) => new CounterSeries(labels, store));
  }

  /**
   * Adds `amount` (default 1). Throws a `RangeError` naming the metric for a negative, NaN or
   * infinite amount, and records nothing.
   */
  inc(amount?: number): void;
  inc(labels: LabelArgument<L>, amount?: number): void;
  inc(labels?: LabelArgument<L> | number, amount?: number): void {
    if (typeof labels === "number" || labels === undefined) {
      const value = requireNonNegative(this.name, labels ?? 1);
      this.store.byObject(undefined).inc(value);
      return;
    }
    const value = requireNonNegative(this.name, amount ?? 1);
    this.store.byObject(labels as LabelValues).inc(value);
  }

  /** A child bound to label values given in `labelNames` order. */
  labels(...values: Array<string | number>): { inc(amount?: number): void } {
    const series = this.store.byPositional(values);
    const name = this.name;
    return {
      inc(amount = 1) {
        series.inc(requireNonNegative(name, amount));
      },
    };
  }

  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    for (const series of this.store.values()) {
      values.push({ value: series.value, labels: series.labels });
    }
    if (values.length === 0 && this.labelNames.length === 0) values.push({ value: 0, labels: {} });
    return this.snapshot(values);
  }
}
