/**
 * The options object of an entry point, with its keys checked: a misspelled key (a
 * `durationBucket` for `durationBuckets`) would otherwise be ignored without a word. The nearest
 * known key is suggested.
 */
import { PACKAGE_NAME } from "./logger.js";
import { invalid } from "./validate.js";

/**
 * The options object of `where` (`undefined` reads as `{}`), with every key checked against
 * `known`: a misspelled key throws, naming the nearest known one.
 */
export function optionsOf(
  where: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(`${where} options`, "an object", value);
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const nearest = nearestKey(key, known);
    throw new TypeError(
      `${PACKAGE_NAME}: ${where} has no option ${JSON.stringify(key)}` +
        (nearest === undefined ? "" : `; did you mean ${JSON.stringify(nearest)}?`) +
        ` (options: ${known.join(", ")})`,
    );
  }
  return value as Record<string, unknown>;
}

/** The keys of an options interface, checked complete and exact by the compiler. */
export function keysOf<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.keys(keys);
}

function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    // A key that shares all but its last letters with a known one (`extraLabels` for
    // `extraLabelNames`, `timeout` for `timeoutMs`) is as near as one typo.
    const sameStart = commonPrefix(lower, other) >= Math.max(4, lower.length - 1);
    const distance = sameStart ? 1 : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function commonPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
