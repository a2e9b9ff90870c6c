/**
 * A gauge compatible with prom-client's `Registry` and the label-less part of its `Gauge` API
 * (`inc`, `dec`, `set`, `reset`, `get`), with input validation that names the metric.
 */
import { requireFiniteNumber, requireNonNegative } from "./errors.js";
import type { MetricShape, MetricSnapshot } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";
import type { Gauge as PublicGauge } from "./metric-types.js";

/** Options of {@link Gauge}. */
export interface GaugeConfig {
  name: string;
  help: string;
}

/** A value that goes up and down. */
export class Gauge implements PublicGauge {
  readonly [OWN_METRIC] = true;
  readonly type = "gauge" as const;
  readonly aggregator = "sum";
  readonly labelNames: readonly never[] = [];
  readonly name: string;
  readonly help: string;
  #value = 0;

  constructor(config: GaugeConfig) {
    this.name = config.name;
    this.help = config.help;
  }

  get shape(): MetricShape {
    return { type: this.type, labelNames: this.labelNames };
  }

  /** Adds `amount` (default 1, must be finite and ≥ 0). */
  inc(amount = 1): void {
    this.#value += requireNonNegative(this.name, amount, "increment");
  }

  /** Subtracts `amount` (default 1, must be finite and ≥ 0). */
  dec(amount = 1): void {
    this.#value -= requireNonNegative(this.name, amount, "decrement");
  }

  /** Sets the value (must be finite). */
  set(value: number): void {
    this.#value = requireFiniteNumber(this.name, value, "value");
  }

  /** The current value. */
  get value(): number {
    return this.#value;
  }

  reset(): void {
    this.#value = 0;
  }

  get(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: [{ value: this.#value, labels: {} }],
      aggregator: this.aggregator,
    };
  }
}
