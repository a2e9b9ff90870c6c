/**
 * Settings a container sets through its environment. Read when the entry point that needs them
 * runs, never at import; an invalid value is logged and the default used, so a typo in a
 * Deployment degrades to the documented default instead of crashing the pod.
 */
import { warnOnce } from "./logger.js";

/** The variables read: `process.env`, or a record in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's raw text, trimmed; `undefined` when unset or empty. */
export function envText(name: string, env: Env = process.env): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

/** Logs, once a minute, that `name` holds `raw` where `allowed` was expected and `using` is used. */
export function warnInvalidEnv(name: string, raw: string, allowed: string, using: unknown): void {
  warnOnce(
    `env:${name}`,
    `ignoring ${name}=${JSON.stringify(raw)}: expected ${allowed}; using ${String(using)}`,
  );
}

/** What a variable held: its value when valid, and its raw text when it was set but invalid. */
export interface EnvReading<T> {
  value: T | undefined;
  invalid: string | undefined;
  allowed: string;
}

/** Reads a whole number in `[min, max]` from `name` without deciding a fallback yet. */
export function readEnvInteger(
  name: string,
  min: number,
  max: number,
  env: Env = process.env,
): EnvReading<number> {
  const allowed = `a whole number from ${min} to ${max}`;
  const raw = envText(name, env);
  if (raw === undefined) return { value: undefined, invalid: undefined, allowed };
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (value >= min && value <= max) return { value, invalid: undefined, allowed };
  return { value: undefined, invalid: raw, allowed };
}

/** The reading's value, or `fallback` (warning when the variable was set but invalid). */
export function orFallback<T>(name: string, reading: EnvReading<T>, fallback: T): T {
  if (reading.value !== undefined) return reading.value;
  if (reading.invalid !== undefined)
    warnInvalidEnv(name, reading.invalid, reading.allowed, fallback);
  return fallback;
}

/** An integer from the environment variable `name`, or `fallback` when unset, empty or invalid. */
export function envInteger(
  name: string,
  fallback: number,
  min: number,
  max: number,
  env: Env = process.env,
): number {
  return orFallback(name, readEnvInteger(name, min, max, env), fallback);
}

/** A non-empty string from the environment variable `name`, or `fallback`. */
export function envString(name: string, fallback: string, env: Env = process.env): string {
  return envText(name, env) ?? fallback;
}
