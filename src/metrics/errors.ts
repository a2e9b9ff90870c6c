/**
 * Errors for bad input to the metric API. Each names the metric and the value, so the caller
 * sees at once what was wrong; nothing is recorded when one is thrown.
 */
import { PACKAGE_NAME } from "../kernel/logger.js";

/** A short, safe description of a value for error messages. */
export function show(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || value === undefined) return String(value);
  return `a ${typeof value}`;
}

/** Throws unless `value` is a finite number; returns it typed. */
export function requireFiniteNumber(metric: string, value: unknown, what = "value"): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${PACKAGE_NAME}: ${metric} expects a number as ${what}, got ${show(value)}`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${PACKAGE_NAME}: ${metric} expects a finite ${what}, got ${show(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number ≥ 0. */
export function requireNonNegative(metric: string, value: unknown, what = "value"): number {
  const number = requireFiniteNumber(metric, value, what);
  if (number < 0) {
    throw new RangeError(
      `${PACKAGE_NAME}: ${metric} can only increase; ${what} must be ≥ 0, got ${show(value)}`,
    );
  }
  return number;
}

/** Throws unless `value` is a finite number within `[min, max]`. */
export function requireInRange(metric: string, value: unknown, min: number, max: number): number {
  const number = requireFiniteNumber(metric, value);
  if (number < min || number > max) {
    throw new RangeError(
      `${PACKAGE_NAME}: ${metric} expects a value between ${min} and ${max}, got ${show(value)}`,
    );
  }
  return number;
}

/** Error for a label set that does not match the metric's label names. */
export function labelError(metric: string, message: string): TypeError {
  return new TypeError(`${PACKAGE_NAME}: ${metric} ${message}`);
}

/** Validates bucket bounds: a non-empty array of finite, positive, strictly increasing numbers. */
export function validateBuckets(option: string, buckets: unknown): number[] {
  const prefix = `${PACKAGE_NAME}: ${option}`;
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new TypeError(`${prefix} must be a non-empty array of numbers, got ${show(buckets)}`);
  }
  const list = buckets as unknown[];
  list.forEach((bound, index) => {
    if (typeof bound !== "number" || !Number.isFinite(bound) || bound <= 0) {
      throw new RangeError(
        `${prefix} must hold finite positive numbers, got ${show(bound)} at index ${index}`,
      );
    }
    const previous = list[index - 1] as number | undefined;
    if (previous !== undefined && bound <= previous) {
      throw new RangeError(`${prefix} must be increasing, got [${list.join(", ")}]`);
    }
  });
  return [...(list as number[])];
}
