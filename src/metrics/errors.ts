/**
 * Errors for bad input to the metric API, in the package's one message shape with the metric as
 * the subject: `crisislen_risk_score value must be a number from 0 to 1, got 1.5`. Each is
 * thrown before anything is recorded or any series is created.
 */
import { PACKAGE_NAME } from "../kernel/logger.js";
import { invalid } from "../kernel/validate.js";

/** Throws unless `value` is a finite number; returns it typed. */
export function requireFiniteNumber(metric: string, value: unknown, what = "value"): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw invalid(
    `${metric} ${what}`,
    "a finite number",
    value,
    typeof value === "number" ? RangeError : TypeError,
  );
}

/** Throws unless `value` is a finite number ≥ 0 (an increment, a decrement, a count). */
export function requireNonNegative(metric: string, value: unknown, what: string): number {
  // NaN fails `>= 0`; Infinity is ruled out separately.
  if (typeof value === "number" && value >= 0 && value !== Infinity) return value;
  throw invalid(
    `${metric} ${what}`,
    "a finite number ≥ 0",
    value,
    typeof value === "number" ? RangeError : TypeError,
  );
}

/** Throws unless `value` is a finite number within `[min, max]`. */
export function requireInRange(metric: string, value: unknown, min: number, max: number): number {
  if (typeof value === "number" && value >= min && value <= max) return value;
  throw invalid(
    `${metric} value`,
    `a number from ${min} to ${max}`,
    value,
    typeof value === "number" ? RangeError : TypeError,
  );
}

/** Error for a label set that does not match the metric's label names. */
export function labelError(metric: string, message: string): TypeError {
  return new TypeError(`${PACKAGE_NAME}: ${metric} ${message}`);
}
