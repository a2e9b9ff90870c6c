/**
 * A counter compatible with prom-client's `Registry` and `Counter` API (`inc`, `labels`,
 * `remove`, `reset`, `get`), with input validation that names the metric, and bound series for
 * a hot path that does no label hashing per request.
 */
import { requireNonNegative } from "./errors.js";
import type { MetricShape, MetricSnapshot, SampleValue } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";
import type { LabelArgument, LabelValues, SeriesBase } from "./series-store.js";
import { SeriesStore } from "./series-store.js";

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
export class Counter<L extends string = string> {
  readonly [OWN_METRIC] = true;
  readonly type = "counter" as const;
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly #store: SeriesStore<CounterSeries>;

  constructor(config: CounterConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = [...(config.labelNames ?? [])];
    this.#store = new SeriesStore<CounterSeries>(
      this.name,
      this.labelNames,
      (labels) => new CounterSeries(labels, this.#store),
    );
  }

  get shape(): MetricShape {
    return { type: this.type, labelNames: this.labelNames };
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
      this.#store.byObject(undefined).inc(value);
      return;
    }
    const value = requireNonNegative(this.name, amount ?? 1);
    this.#store.byObject(labels as LabelValues).inc(value);
  }

  /** A child bound to label values given in `labelNames` order. */
  labels(...values: Array<string | number>): { inc(amount?: number): void } {
    const series = this.#store.byPositional(values);
    const name = this.name;
    return {
      inc(amount = 1) {
        series.inc(requireNonNegative(name, amount));
      },
    };
  }

  /** The series for label values in `labelNames` order, for hot paths that keep it. */
  series(values: readonly string[]): CounterSeries {
    return this.#store.byValues(values);
  }

  /** Removes the series with these label values. */
  remove(...values: Array<string | number>): void {
    this.#store.remove(this.#store.positional(values));
  }

  /** Removes every series (as prom-client does). */
  reset(): void {
    this.#store.clear();
  }

  /** Number of series. */
  get seriesCount(): number {
    return this.#store.size;
  }

  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    for (const series of this.#store.values()) {
      values.push({ value: series.value, labels: series.labels });
    }
    if (values.length === 0 && this.labelNames.length === 0) values.push({ value: 0, labels: {} });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}
