/**
 * Label-set bookkeeping shared by the metric classes: one series object per distinct label
 * values, created once and handed out again, so a hot path can keep a series and update it
 * without hashing labels on every call.
 */
import { invalid } from "../kernel/validate.js";
import { labelError } from "./errors.js";

/** Label values by label name, as prom-client takes them. */
export type LabelValues = Record<string, string | number>;

/** Whether an argument is a label object (`{ route: "/x" }`), not a value, an array or null. */
export function isLabelObject(value: unknown): value is LabelValues {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What every series carries: its labels, and whether `reset()` removed it from its metric. */
export interface SeriesBase {
  readonly labels: Readonly<Record<string, string>>;
  detached: boolean;
}

const KEY_SEPARATOR = "\u0001";

/**
 * The map key of a label set, injective so two label sets never share a series. Values are
 * joined by U+0001 (exactly n−1 separators for n values); in the rare case a value contains
 * U+0001 itself, the key is n separators followed by the JSON of the values (JSON escapes
 * U+0001), which no joined key can equal. One value is its own key.
 */
export function seriesKey(values: readonly string[]): string {
  const count = values.length;
  if (count === 1) return values[0] as string;
  for (let index = 0; index < count; index++) {
    if ((values[index] as string).includes(KEY_SEPARATOR))
      return KEY_SEPARATOR.repeat(count) + JSON.stringify(values);
  }
  return values.join(KEY_SEPARATOR);
}

export class SeriesStore<S extends SeriesBase> {
  readonly #map = new Map<string, S>();

  constructor(
    readonly metricName: string,
    readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => S,
  ) {}

  /** The series for label values given in `labelNames` order (no validation: internal callers). */
  byValues(values: readonly string[]): S {
    const key = seriesKey(values);
    let series = this.#map.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, index) => {
        labels[name] = values[index] as string;
      });
      series = this.create(labels);
      this.#map.set(key, series);
    }
    return series;
  }

  /** Puts a series that `reset()` detached back into the store (or returns its replacement). */
  reattach(series: S): S {
    const current = this.byValues(this.labelNames.map((name) => series.labels[name] as string));
    return current;
  }

  /** The series for a prom-client style label object; validates names and value types. */
  byObject(labels: LabelValues | undefined): S {
    return this.byValues(this.valuesOf(labels));
  }

  /** Label values in `labelNames` order from positional arguments, validated. */
  byPositional(values: readonly unknown[]): S {
    return this.byValues(this.positional(values));
  }

  /** Validated label values from positional arguments. */
  positional(values: readonly unknown[]): string[] {
    if (values.length !== this.labelNames.length) {
      throw labelError(
        this.metricName,
        `label values must be ${this.labelNames.length} (${this.labelNames.join(", ") || "none"}), got ${values.length}`,
      );
    }
    return values.map((value, index) => this.labelValue(this.labelNames[index] as string, value));
  }

  valuesOf(labels: LabelValues | undefined): string[] {
    const given = labels ?? {};
    for (const name of Object.keys(given)) {
      if (!this.labelNames.includes(name)) {
        throw labelError(
          this.metricName,
          `label names must be among (${this.labelNames.join(", ") || "none"}), got "${name}"`,
        );
      }
    }
    return this.labelNames.map((name) => this.labelValue(name, given[name]));
  }

  private labelValue(name: string, value: unknown): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    throw invalid(`${this.metricName} label "${name}"`, "a string or a finite number", value);
  }

  /** Removes one series; a kept reference to it re-registers itself on its next update. */
  remove(values: readonly string[]): void {
    const key = seriesKey(values);
    const series = this.#map.get(key);
    if (series !== undefined) {
      series.detached = true;
      this.#map.delete(key);
    }
  }

  /** Removes every series. */
  clear(): void {
    for (const series of this.#map.values()) series.detached = true;
    this.#map.clear();
  }

  values(): IterableIterator<S> {
    return this.#map.values();
  }

  get size(): number {
    return this.#map.size;
  }
}
