/**
 * A gauge with labels, compatible with prom-client's `Registry`, for values that go up when
 * something starts and down when it ends (`http_requests_in_flight`). The hot path keeps the
 * series it raised and lowers that same object, so a `reset()` in between can never leave a
 * series stuck above zero or push one below it.
 */
import type { MetricShape, MetricSnapshot, SampleValue } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";
import type { SeriesBase } from "./series-store.js";
import { SeriesStore } from "./series-store.js";

/** One gauge series. */
export class GaugeSeries implements SeriesBase {
  value = 0;
  detached = false;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly store: SeriesStore<GaugeSeries>,
  ) {}

  /**
   * Raises the value by one and returns the series that was raised: this one, or its
   * replacement when `reset()` removed it. Lower exactly that series with {@link dec}.
   */
  inc(): GaugeSeries {
    if (this.detached) return this.store.reattach(this).inc();
    this.value += 1;
    return this;
  }

  /** Lowers the value by one (on a removed series this changes nothing anyone reads). */
  dec(): void {
    this.value -= 1;
  }
}

/** Options of {@link LabelledGauge}. */
export interface LabelledGaugeConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/** A gauge with one series per label set. */
export class LabelledGauge<L extends string = string> {
  readonly [OWN_METRIC] = true;
  readonly type = "gauge" as const;
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly #store: SeriesStore<GaugeSeries>;

  constructor(config: LabelledGaugeConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = [...config.labelNames];
    this.#store = new SeriesStore<GaugeSeries>(
      this.name,
      this.labelNames,
      (labels) => new GaugeSeries(labels, this.#store),
    );
  }

  get shape(): MetricShape {
    return { type: this.type, labelNames: this.labelNames };
  }

  /** The series for label values in `labelNames` order. */
  series(values: readonly string[]): GaugeSeries {
    return this.#store.byValues(values);
  }

  /** Removes every series (as prom-client does). */
  reset(): void {
    this.#store.clear();
  }

  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    for (const series of this.#store.values()) {
      values.push({ value: series.value, labels: series.labels });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}
