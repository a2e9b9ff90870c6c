/**
 * A gauge with labels, compatible with prom-client's `Registry`, for values that go up when
 * something starts and down when it ends (`http_requests_in_flight`). The hot path keeps the
 * series it raised and lowers that same object, so a `reset()` in between can never leave a
 * series stuck above zero or push one below it.
 */
import type { MetricSnapshot, SampleValue } from "./metric-object.js";
import type { SeriesBase } from "./series-store.js";
import type { SeriesStore } from "./series-store.js";
import { LabelledMetric } from "./labelled-metric.js";

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
export class LabelledGauge<L extends string = string> extends LabelledMetric<GaugeSeries, L> {
  readonly type = "gauge" as const;

  constructor(config: LabelledGaugeConfig<L>) {
    super(config, (labels, store) => new GaugeSeries(labels, store));
  }

  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    for (const series of this.store.values()) {
      values.push({ value: series.value, labels: series.labels });
    }
    return this.snapshot(values);
  }
}
