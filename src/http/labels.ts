/**
 * Label values for the HTTP metrics, bounded by construction: a fixed method set with one
 * value for the rest, and status codes as cached strings.
 */
import { CLIENT_CLOSED_STATUS, OTHER_METHOD } from "../metrics/catalogue.js";

/** The methods that keep their own label value (RFC 9110 plus PATCH and QUERY). */
const STANDARD_METHODS: readonly string[] = Object.freeze([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
  "QUERY",
]);

const METHOD_INDEX = new Map(STANDARD_METHODS.map((method, index) => [method, index]));
/** Index of the folded `_OTHER` method in per-method tables. */
export const OTHER_METHOD_INDEX = STANDARD_METHODS.length;

/** The position of `method` in per-method tables; unknown methods share the last slot. */
export function methodIndex(method: string | undefined): number {
  if (method === undefined) return OTHER_METHOD_INDEX;
  const index = METHOD_INDEX.get(method) ?? METHOD_INDEX.get(method.toUpperCase());
  return index ?? OTHER_METHOD_INDEX;
}

/** The label value for the method at `index`. */
export function methodLabel(index: number): string {
  return STANDARD_METHODS[index] ?? OTHER_METHOD;
}

/** The label value for a status code; anything not a 3-digit code counts as a server error. */
export function statusLabel(statusCode: number): string {
  if (Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 999)
    return String(statusCode);
  return "500";
}

export { CLIENT_CLOSED_STATUS };
