/**
 * The one validation path for options and arguments. Every error reads
 * `@crisislen/observability: <option> must be <what is allowed>, got <value>` — the package, the
 * option, what is allowed, the value — and is thrown at setup, never inside a request.
 */
import { PACKAGE_NAME } from "./logger.js";

/** A short, safe description of a value for messages (never calls user code). */
function show(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) {
    const items = value.slice(0, 10).map((item) => (Array.isArray(item) ? "[…]" : show(item)));
    return `[${items.join(", ")}${value.length > 10 ? ", …" : ""}]`;
  }
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The error for `option` holding `value` where `allowed` was expected. */
export function invalid(
  option: string,
  allowed: string,
  value: unknown,
  Kind: typeof TypeError | typeof RangeError = TypeError,
): TypeError {
  return new Kind(`${PACKAGE_NAME}: ${option} must be ${allowed}, got ${show(value)}`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A plain object (`{ … }`), or `undefined` when absent; `allowed` says what the object is. */
export function objectOption(
  option: string,
  value: unknown,
  allowed = "an object",
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(option, allowed, value);
  return value;
}

/** A boolean, or `fallback` when absent. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(option, "a boolean", value);
  return value;
}

/** A function, or `undefined` when absent. */
export function functionOption<F>(option: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw invalid(option, "a function", value);
  return value as F;
}

/** A non-empty string, or `undefined` when absent. */
export function stringOption(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw invalid(option, "a non-empty string", value);
  return value;
}

/** A whole number in `[min, max]`. */
export function integerOption(option: string, value: unknown, min: number, max: number): number {
  const allowed = `a whole number from ${min} to ${max}`;
  if (typeof value !== "number") throw invalid(option, allowed, value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(option, allowed, value, RangeError);
  return value;
}

/** Longest timer Node can set. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A whole number of milliseconds in `[min, max]` (at most what a Node timer can wait). */
export function millisecondsOption(
  option: string,
  value: unknown,
  min: number,
  max = MAX_TIMER_MS,
): number {
  const allowed = `a whole number of milliseconds from ${min} to ${max}`;
  if (typeof value !== "number") throw invalid(option, allowed, value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(option, allowed, value, RangeError);
  return value;
}

/** A finite number in `[min, max]`. */
export function numberOption(option: string, value: unknown, min: number, max: number): number {
  const allowed = `a number from ${min} to ${max}`;
  if (typeof value !== "number") throw invalid(option, allowed, value);
  if (!(value >= min && value <= max)) throw invalid(option, allowed, value, RangeError);
  return value;
}

/** A URL path: starts with `/`, no query, fragment or whitespace (matched against `req.url`). */
export function pathOption(option: string, value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || /[?#\s]/.test(value)) {
    throw invalid(option, 'a path starting with "/" without "?", "#" or whitespace', value);
  }
  return value;
}

/** Bucket bounds: a non-empty array of finite, positive, strictly increasing numbers. */
export function bucketsOption(option: string, value: unknown): number[] {
  const allowed = "a non-empty array of finite positive numbers in increasing order";
  if (!Array.isArray(value) || value.length === 0) throw invalid(option, allowed, value);
  const list = value as unknown[];
  list.forEach((bound, index) => {
    if (typeof bound !== "number") throw invalid(option, allowed, value);
    const previous = list[index - 1] as number | undefined;
    if (!Number.isFinite(bound) || bound <= 0 || (previous !== undefined && bound <= previous))
      throw invalid(option, allowed, value, RangeError);
  });
  return [...(list as number[])];
}
