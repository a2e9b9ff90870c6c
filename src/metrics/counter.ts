/**
 * A counter compatible with prom-client's `Registry` and `Counter` API (`inc`, `labels`,
 * `remove`, `reset`, `get`), with input validation that names the metric, and bound series for
 * a hot path that does no label hashing per request.
 */
import { requireNonNegative } from "./errors.js";
import type { MetricSnapshot, SampleValue } from "./metric-object.js";
import type { Counter as PublicCounter, LabelArgument } from "./metric-types.js";
import type { LabelValues, SeriesBase } from "./series-store.js";
import { isLabelObject, type SeriesStore } from "./series-store.js";
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
export class Counter<L extends string = string>
  extends LabelledMetric<CounterSeries, L>
  implements PublicCounter<L>
{
  readonly type = "counter" as const;

  constructor(config: CounterConfig<L>) {
    super(config, (labels, store) => new CounterSeries(labels, store));
  }

  /**
   * Adds `amount` (default 1), as `inc(amount?)` or `inc(labels, amount?)`. Anything but a finite
   * number ≥ 0 throws an error naming the metric and the value, and records nothing.
   */
  inc(amount?: number): void;
  inc(labels: LabelArgument<L>, amount?: number): void;
  inc(labels?: LabelArgument<L> | number, amount?: number): void {
    if (isLabelObject(labels)) {
      const value = requireNonNegative(this.name, amount === undefined ? 1 : amount, "increment");
      this.store.byObject(labels as LabelValues).inc(value);
      return;
    }
    const value = requireNonNegative(this.name, labels === undefined ? 1 : labels, "increment");
    this.store.byObject(undefined).inc(value);
  }

  /**
   * A child bound to label values given in `labelNames` order. The values are checked now; the
   * series is created by the first valid `inc`, so a rejected one leaves nothing behind.
   */
  labels(...values: Array<string | number>): { inc(amount?: number): void } {
    const checked = this.store.positional(values);
    const store = this.store;
    const name = this.name;
    let series: CounterSeries | undefined;
    return {
      inc(amount = 1) {
        const value = requireNonNegative(name, amount, "increment");
        (series ??= store.byValues(checked)).inc(value);
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
