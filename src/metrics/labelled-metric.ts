/**
 * What every metric class with label sets shares: its identity for prom-client's `Registry`,
 * the series store, and the prom-client style `series`/`remove`/`reset` around it. The
 * subclasses add how a series records and how it is exposed.
 */
import type { MetricShape, MetricSnapshot, SampleValue } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";
import type { SeriesBase } from "./series-store.js";
import { SeriesStore } from "./series-store.js";

/** Name, help and label names of a metric. */
export interface LabelledMetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export abstract class LabelledMetric<S extends SeriesBase, L extends string> {
  readonly [OWN_METRIC] = true;
  abstract readonly type: MetricSnapshot["type"];
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** @hidden The series of this metric; subclasses record and expose through it. */
  protected readonly store: SeriesStore<S>;

  constructor(
    config: LabelledMetricConfig<L>,
    createSeries: (labels: Record<string, string>, store: SeriesStore<S>) => S,
  ) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = [...(config.labelNames ?? [])];
    const store: SeriesStore<S> = new SeriesStore<S>(this.name, this.labelNames, (labels) =>
      createSeries(labels, store),
    );
    this.store = store;
  }

  /** What a second registration of the same name is compared against. */
  get shape(): MetricShape {
    return { type: this.type, labelNames: this.labelNames };
  }

  /** prom-client's `get()` result for these sample values. */
  protected snapshot(values: SampleValue[]): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  /** The series for label values in `labelNames` order, for hot paths that keep it. */
  series(values: readonly string[]): S {
    return this.store.byValues(values);
  }

  /** Removes the series with these label values. */
  remove(...values: Array<string | number>): void {
    this.store.remove(this.store.positional(values));
  }

  /** Removes every series (as prom-client does). */
  reset(): void {
    this.store.clear();
  }

  /** Number of label sets. */
  get seriesCount(): number {
    return this.store.size;
  }
}
