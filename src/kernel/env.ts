/**
 * Settings a container sets through its environment. Read when the entry point that needs them
 * runs, never at import; an invalid value is logged and the default used, so a typo in a
 * Deployment degrades to the documented default instead of crashing the pod.
 */
import { warnOnce } from "./logger.js";

/** An integer from the environment variable `name`, or `fallback` when unset, empty or invalid. */
export function envInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    warnOnce(
      `env:${name}`,
      `ignoring ${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}; using ${fallback}`,
    );
    return fallback;
  }
  return value;
}

/** A non-empty string from the environment variable `name`, or `fallback`. */
export function envString(name: string, fallback: string): string {
  const raw = process.env[name]?.trim();
  return raw === undefined || raw === "" ? fallback : raw;
}
