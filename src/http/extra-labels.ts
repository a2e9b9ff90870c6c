/**
 * Values of the user's extra labels for one request, bounded: each label admits at most
 * `maxLabelValues` distinct values, later ones are recorded as `__other__`; a function that
 * throws gives `__error__`. Nothing here can throw into the request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sharedSlot } from "../kernel/global-state.js";
import { warnOnce } from "../kernel/logger.js";
import { ERROR_LABEL_VALUE, OTHER_LABEL_VALUE } from "../metrics/catalogue.js";

/** Computes one label value from the raw request and response. */
export type RawLabelFunction = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Values seen per label, per metric object: every plugin and middleware recording into the same
 * counter shares one budget, so two registrations cannot double the series.
 */
const seenByMetric = () =>
  sharedSlot("extraLabelValuesSeen", () => new WeakMap<object, Map<string, Set<string>>>());

function seenSets(metric: object, names: readonly string[]): Array<Set<string>> {
  let byName = seenByMetric().get(metric);
  if (byName === undefined) {
    byName = new Map();
    seenByMetric().set(metric, byName);
  }
  return names.map((name) => {
    let seen = byName.get(name);
    if (seen === undefined) {
      seen = new Set();
      byName.set(name, seen);
    }
    return seen;
  });
}

function asLabelValue(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === undefined || value === null) return "";
  warnOnce(
    `extra-label-type:${name}`,
    `extraLabels.${name} returned ${typeof value}, not a string; recording "${ERROR_LABEL_VALUE}"`,
  );
  return ERROR_LABEL_VALUE;
}

/** The extra labels of one integration, resolved at setup. */
export class ExtraLabels {
  readonly names: readonly string[];
  readonly #compute: readonly RawLabelFunction[];
  readonly #seen: Array<Set<string>>;
  readonly #limit: number;

  constructor(
    labels: ReadonlyArray<readonly [string, RawLabelFunction]>,
    limit: number,
    metric: object,
  ) {
    this.names = labels.map(([name]) => name);
    this.#compute = labels.map(([, compute]) => compute);
    this.#seen = seenSets(metric, this.names);
    this.#limit = limit;
  }

  /** The label values of a finished request, in `names` order. */
  values(req: IncomingMessage, res: ServerResponse): string[] {
    const values = new Array<string>(this.#compute.length);
    for (let index = 0; index < values.length; index++) {
      const name = this.names[index] as string;
      let value: string;
      try {
        value = asLabelValue(name, (this.#compute[index] as RawLabelFunction)(req, res));
      } catch (error) {
        warnOnce(
          `extra-label-threw:${name}`,
          `extraLabels.${name} threw; recording "${ERROR_LABEL_VALUE}"`,
          error,
        );
        value = ERROR_LABEL_VALUE;
      }
      values[index] = this.#admit(index, name, value);
    }
    return values;
  }

  #admit(index: number, name: string, value: string): string {
    if (value === ERROR_LABEL_VALUE || value === OTHER_LABEL_VALUE) return value;
    const seen = this.#seen[index] as Set<string>;
    if (seen.has(value)) return value;
    if (seen.size >= this.#limit) {
      warnOnce(
        `extra-label-limit:${name}`,
        `extra label "${name}" reached maxLabelValues (${this.#limit}); further values are recorded as "${OTHER_LABEL_VALUE}"`,
      );
      return OTHER_LABEL_VALUE;
    }
    seen.add(value);
    return value;
  }
}
