/**
 * `metricsPlugin` registered a second time on an instance that has it (or on a child of one):
 * the hooks installed first cannot take other labels or routes, so the options that differ are
 * named in a warning, as `instrumentApp` does for its own.
 */
import { warnOnce } from "../kernel/logger.js";

/** Warns, naming them, about options of a second registration that cannot take effect. */
export function warnIfDifferent(first: object, again: object, keys: readonly string[]): void {
  const differing = keys.filter(
    (key) =>
      !sameOption((first as Record<string, unknown>)[key], (again as Record<string, unknown>)[key]),
  );
  if (differing.length === 0) return;
  warnOnce(
    `fastify:registered-again:${differing.join(",")}`,
    `metricsPlugin is already registered on this Fastify instance or a parent of it; these ` +
      `options of the second registration are ignored: ${differing.join(", ")}. Register the ` +
      `plugin once, with all its options, on the root instance.`,
  );
}

/** Whether two option values configure the same thing (functions compare as alike). */
function sameOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "function" && typeof b === "function") return true;
  if (a instanceof RegExp && b instanceof RegExp) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => sameOption(item, b[index]));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) =>
    sameOption((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
