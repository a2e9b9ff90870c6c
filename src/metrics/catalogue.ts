/**
 * The catalogue of the five CrisisLens metrics: names, help texts, label names and buckets, as
 * the spec fixes them. Dashboards and alerts in `deploy/` read exactly these names.
 */

/** Name of the HTTP request counter. */
export const HTTP_REQUESTS_TOTAL = "http_requests_total";
/** Name of the HTTP request duration histogram. */
export const HTTP_REQUEST_DURATION_SECONDS = "http_request_duration_seconds";
/** Name of the processed-items counter. */
export const ITEMS_PROCESSED_TOTAL = "crisislen_items_processed_total";
/** Name of the active-workflows gauge. */
export const WORKFLOWS_ACTIVE = "crisislen_workflows_active";
/** Name of the risk-score histogram. */
export const RISK_SCORE = "crisislen_risk_score";

/** Name of the opt-in in-flight requests gauge. */
export const HTTP_REQUESTS_IN_FLIGHT = "http_requests_in_flight";
/** Name of the opt-in request body size histogram. */
export const HTTP_REQUEST_SIZE_BYTES = "http_request_size_bytes";
/** Name of the opt-in response body size histogram. */
export const HTTP_RESPONSE_SIZE_BYTES = "http_response_size_bytes";
/** Name of the opt-in request duration summary (client-side quantiles). */
export const HTTP_REQUEST_DURATION_SUMMARY_SECONDS = "http_request_duration_summary_seconds";

/** Labels of `http_requests_total`. */
export type HttpRequestLabel = "method" | "endpoint" | "status";
/** Labels of `http_request_duration_seconds`. */
export type HttpDurationLabel = "method" | "endpoint";

export const HTTP_REQUEST_LABELS: readonly HttpRequestLabel[] = ["method", "endpoint", "status"];
export const HTTP_DURATION_LABELS: readonly HttpDurationLabel[] = ["method", "endpoint"];

/**
 * Default buckets of `http_request_duration_seconds`, in seconds. Written literally so every
 * bound prints as written (`le="0.075"`), never as a float artefact.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * Default buckets of the size histograms, in bytes: powers of four from 64 B to 16 MiB, written
 * literally.
 */
export const DEFAULT_SIZE_BUCKETS: readonly number[] = Object.freeze([
  64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
]);

/** Default quantiles of the opt-in duration summary. */
export const DEFAULT_SUMMARY_PERCENTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.95, 0.99]);

/**
 * Buckets of `crisislen_risk_score`. Literal on purpose: prom-client's `linearBuckets(0.1, 0.1,
 * 10)` yields `0.30000000000000004`, and a panel querying `le="0.3"` would find nothing.
 */
export const RISK_SCORE_BUCKETS: readonly number[] = Object.freeze([
  0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
]);

export const HELP = {
  [HTTP_REQUESTS_TOTAL]: "Total HTTP requests by method, route template and status code.",
  [HTTP_REQUEST_DURATION_SECONDS]:
    "HTTP request duration in seconds, from arrival until the response finished or the client went away.",
  [ITEMS_PROCESSED_TOTAL]: "Total CrisisLens items processed.",
  [WORKFLOWS_ACTIVE]: "CrisisLens workflows currently running.",
  [RISK_SCORE]: "Distribution of CrisisLens risk scores (0 to 1).",
  [HTTP_REQUESTS_IN_FLIGHT]: "HTTP requests currently being served.",
  [HTTP_REQUEST_SIZE_BYTES]: "HTTP request body size in bytes.",
  [HTTP_RESPONSE_SIZE_BYTES]: "HTTP response body size in bytes.",
  [HTTP_REQUEST_DURATION_SUMMARY_SECONDS]:
    "HTTP request duration in seconds, as client-side quantiles over a sliding window.",
} as const;

/** Label value for every request that matched no route. */
export const UNMATCHED_ENDPOINT = "__unmatched__";
/** Label value for request methods outside the standard set. */
export const OTHER_METHOD = "_OTHER";
/** Status label for a request whose client went away before the response finished. */
export const CLIENT_CLOSED_STATUS = "499";
/** Value of an extra label once it has seen `maxLabelValues` distinct values. */
export const OTHER_LABEL_VALUE = "__other__";
/** Value of an extra label whose function threw or returned something unusable. */
export const ERROR_LABEL_VALUE = "__error__";
/** Label names the HTTP metrics use themselves; extra labels cannot take them. */
export const RESERVED_LABEL_NAMES: readonly string[] = Object.freeze([
  "method",
  "endpoint",
  "status",
  "le",
  "quantile",
]);
