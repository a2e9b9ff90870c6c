/**
 * A histogram compatible with prom-client's `Registry` and `Histogram` API (`observe`,
 * `startTimer`, `labels`, `remove`, `reset`, `get`). Bucket bounds print exactly as given, and
 * each bucket can keep the latest exemplar (trace and span ids) for OpenMetrics scrapes.
 */
import { requireFiniteNumber } from "./errors.js";
import type { ExemplarValue, MetricShape, MetricSnapshot, SampleValue } from "./metric-object.js";
import type { Histogram as PublicHistogram, LabelArgument } from "./metric-types.js";
import type { LabelValues, SeriesBase } from "./series-store.js";
import { isLabelObject, type SeriesStore } from "./series-store.js";
import { LabelledMetric } from "./labelled-metric.js";

/** One histogram series: per-bucket counts (not cumulative; the last slot is `+Inf`). */
export class HistogramSeries implements SeriesBase {
  readonly counts: Float64Array;
  readonly exemplars: Array<ExemplarValue | undefined>;
  sum = 0;
  count = 0;
  detached = false;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
    private readonly store: SeriesStore<HistogramSeries>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    this.exemplars = [];
  }

  /** Records `value` (unchecked: internal callers pass finite numbers). */
  observe(value: number, exemplar?: Record<string, string>): void {
    if (this.detached) {
      this.store.reattach(this).observe(value, exemplar);
      return;
    }
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    this.counts[index]! += 1;
    this.sum += value;
    this.count += 1;
    if (exemplar !== undefined) {
      this.exemplars[index] = { labelSet: exemplar, value, timestamp: Date.now() / 1000 };
    }
  }
}

/** Options of {@link Histogram}. */
export interface HistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Upper bounds, increasing; `+Inf` is implicit. */
  buckets: readonly number[];
  /** Checks each observed value beyond finiteness (e.g. a 0–1 range); throws to reject it. */
  validate?: (metric: string, value: number) => void;
}

/** A distribution of observed values in fixed buckets. */
export class Histogram<L extends string = string>
  extends LabelledMetric<HistogramSeries, L>
  implements PublicHistogram<L>
{
  readonly type = "histogram" as const;
  readonly buckets: readonly number[];
  readonly #validate: ((metric: string, value: number) => void) | undefined;

  constructor(config: HistogramConfig<L>) {
    const buckets = Object.freeze([...config.buckets]);
    super(config, (labels, store) => new HistogramSeries(labels, buckets, store));
    this.buckets = buckets;
    this.#validate = config.validate;
  }

  override get shape(): MetricShape {
    return { type: this.type, labelNames: this.labelNames, buckets: this.buckets };
  }

  #check(value: unknown): number {
    const number = requireFiniteNumber(this.name, value);
    this.#validate?.(this.name, number);
    return number;
  }

  /**
   * Records a value, as `observe(value)` or `observe(labels, value)`. Throws an error naming the
   * metric and the value for anything but a finite number (or one the metric rejects), and
   * records nothing.
   */
  observe(value: number): void;
  observe(labels: LabelArgument<L>, value: number): void;
  observe(labels: LabelArgument<L> | number, value?: number): void {
    if (isLabelObject(labels)) {
      const checked = this.#check(value);
      this.store.byObject(labels as LabelValues).observe(checked);
      return;
    }
    const checked = this.#check(labels);
    this.store.byObject(undefined).observe(checked);
  }

  /** Starts a timer; calling the returned function observes the seconds elapsed and returns them. */
  startTimer(
    labels?: Partial<Record<L, string | number>>,
  ): (end?: Partial<Record<L, string | number>>) => number {
    const start = process.hrtime.bigint();
    return (endLabels) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.store.byObject({ ...labels, ...endLabels } as LabelValues).observe(seconds);
      return seconds;
    };
  }

  /**
   * A child bound to label values given in `labelNames` order. The values are checked now; the
   * series is created by the first valid `observe`, so a rejected one leaves nothing behind.
   */
  labels(...values: Array<string | number>): { observe(value: number): void } {
    const checked = this.store.positional(values);
    let series: HistogramSeries | undefined;
    return {
      observe: (value: number) => {
        const number = this.#check(value);
        (series ??= this.store.byValues(checked)).observe(number);
      },
    };
  }

  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    const bounds = this.buckets;
    const emit = (series: HistogramSeries) => {
      let cumulative = 0;
      for (let index = 0; index <= bounds.length; index++) {
        cumulative += series.counts[index] as number;
        const le = index < bounds.length ? (bounds[index] as number) : "+Inf";
        values.push({
          value: cumulative,
          labels: { ...series.labels, le },
          metricName: `${this.name}_bucket`,
          exemplar: series.exemplars[index] ?? null,
        });
      }
      values.push({ value: series.sum, labels: series.labels, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: series.labels, metricName: `${this.name}_count` });
    };
    for (const series of this.store.values()) emit(series);
    if (this.store.size === 0 && this.labelNames.length === 0) emit(this.store.byValues([]));
    return this.snapshot(values);
  }
}
