/**
 * The request-metrics options both integrations share, validated and resolved once at setup:
 * a bad option throws a `TypeError`/`RangeError` naming it and the value, and the per-request
 * code only ever sees the resolved form.
 */
import { PACKAGE_NAME } from "../kernel/logger.js";
import {
  DEFAULT_SIZE_BUCKETS,
  DEFAULT_SUMMARY_PERCENTILES,
  RESERVED_LABEL_NAMES,
} from "../metrics/catalogue.js";
import { show, validateBuckets } from "../metrics/errors.js";
import type { SummarySettings } from "../metrics/http-extras.js";

/**
 * Computes an extra label value from the request and response, once the response is done.
 * Method syntax on purpose: a function typed for a framework's own request type is accepted.
 */
export type ExtraLabelFunction<Req, Res> = {
  bivarianceHack(req: Req, res: Res): string;
}["bivarianceHack"];

/** Settings of the opt-in duration summary. */
export interface DurationSummaryOptions {
  /** Quantiles to report, each in (0, 1]. @default [0.5, 0.9, 0.95, 0.99] */
  percentiles?: readonly number[];
  /** Length of the sliding window in seconds. @default 600 */
  maxAgeSeconds?: number;
  /** Number of buckets the window rotates through. @default 5 */
  ageBuckets?: number;
}

/** Options of the request metrics shared by `metricsPlugin` and `metricsMiddleware`. */
export interface HttpMetricsOptions<Req, Res> {
  /**
   * Extra labels for `http_requests_total` and `http_request_duration_seconds`, one function
   * per label name, called once per request when the response is done. Names must be valid
   * Prometheus label names, must not start with `__`, and must not be `method`, `endpoint`,
   * `status`, `le` or `quantile`. Every distinct value is a new series: past `maxLabelValues`
   * values per label, new ones are recorded as `__other__`. A function that throws (or returns
   * something other than a string, number or boolean) gives `__error__`, logged once a minute;
   * `null`/`undefined` give the empty value (Prometheus reads it as "label absent").
   * @default {} (no extra labels)
   * @example extraLabels: { tenant: (req) => String(req.headers["x-tenant"] ?? "none") }
   */
  extraLabels?: Readonly<Record<string, ExtraLabelFunction<Req, Res>>>;
  /**
   * Distinct values each extra label may take before further values fold into `__other__`
   * (`__other__` and `__error__` do not count). Shared by every plugin or middleware that
   * records into the same registry.
   * @default 100
   */
  maxLabelValues?: number;
  /**
   * prom-client's default process metrics (CPU, memory, heap, event loop lag, GC, handles),
   * registered once per registry however often the plugin or middleware is set up, and not at
   * all when the registry already has them. `{ prefix }` prefixes their names.
   * @default true
   * @example defaultMetrics: { prefix: "crisislen_" }
   */
  defaultMetrics?: boolean | { prefix?: string };
  /**
   * Route templates left out of every metric: a string matches a template exactly
   * (`"/internal/sse"`, `"__unmatched__"`), a RegExp is tested against it. Matched once per
   * template, not per request.
   * @default [] (none)
   * @example excludeRoutes: ["/health", /^\/internal\//]
   */
  excludeRoutes?: ReadonlyArray<string | RegExp>;
  /**
   * Request methods left out of every metric (case-insensitive).
   * @default [] (none)
   * @example excludeMethods: ["OPTIONS", "HEAD"]
   */
  excludeMethods?: readonly string[];
  /**
   * Report `status` of `http_requests_total` as its class (`2xx`, `4xx`, `5xx`; an aborted
   * request's 499 is `4xx`) instead of the exact code. The bundled alerts and dashboard read
   * exact codes (`status=~"5.."`), so leave it off when you use them.
   * @default false
   */
  groupStatusCodes?: boolean;
  /**
   * Adds the gauge `http_requests_in_flight`: requests that started and whose response has not
   * closed yet, aborted ones included. Labelled `method, endpoint` in Fastify and `method`
   * only in Express, where the route is known only when the response is done.
   * @default false
   */
  inFlight?: boolean;
  /**
   * Adds the histogram `http_request_size_bytes{method, endpoint}`: the request body size from
   * `Content-Length`, or, for a chunked body, the bytes that arrived.
   * @default false
   */
  requestSize?: boolean;
  /**
   * Adds the histogram `http_response_size_bytes{method, endpoint}`: the body bytes the
   * response wrote (0 for `HEAD`, 204 and 304), counted also when the client went away.
   * @default false
   */
  responseSize?: boolean;
  /**
   * Buckets of the two size histograms in bytes: finite, positive, increasing.
   * @default [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]
   */
  sizeBuckets?: readonly number[];
  /**
   * Adds the summary `http_request_duration_summary_seconds{method, endpoint}` with quantiles
   * computed in the process over a sliding window. Costlier per request than the histogram and
   * not aggregatable across instances (left out of the cluster exposition); prefer the
   * histogram unless you need exact quantiles of one process.
   * @default false
   * @example durationSummary: { percentiles: [0.5, 0.99], maxAgeSeconds: 300 }
   */
  durationSummary?: boolean | DurationSummaryOptions;
}

/** The options after validation, with every default applied. */
export interface ResolvedHttpOptions<Req, Res> {
  extraLabels: ReadonlyArray<readonly [string, ExtraLabelFunction<Req, Res>]>;
  maxLabelValues: number;
  defaultMetricsPrefix: string | undefined;
  excludeRoutes: ReadonlyArray<string | RegExp>;
  excludeMethods: ReadonlySet<string>;
  groupStatusCodes: boolean;
  inFlight: boolean;
  requestSize: boolean;
  responseSize: boolean;
  sizeBuckets: readonly number[];
  durationSummary: SummarySettings | undefined;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const fail = (message: string) => new TypeError(`${PACKAGE_NAME}: ${message}`);
const outOfRange = (message: string) => new RangeError(`${PACKAGE_NAME}: ${message}`);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw fail(`${name} must be a boolean, got ${show(value)}`);
  return value;
}

function resolveExtraLabels<Req, Res>(
  value: unknown,
): Array<readonly [string, ExtraLabelFunction<Req, Res>]> {
  if (value === undefined) return [];
  if (!isObject(value))
    throw fail(`extraLabels must be an object of functions, got ${show(value)}`);
  return Object.entries(value).map(([name, compute]) => {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw fail(
        `extraLabels name ${JSON.stringify(name)} is not a valid Prometheus label name ` +
          `([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")`,
      );
    }
    if (RESERVED_LABEL_NAMES.includes(name)) {
      throw fail(
        `extraLabels name ${JSON.stringify(name)} is taken by the HTTP metrics ` +
          `(${RESERVED_LABEL_NAMES.join(", ")})`,
      );
    }
    if (typeof compute !== "function") {
      throw fail(`extraLabels.${name} must be a function, got ${show(compute)}`);
    }
    return [name, compute as ExtraLabelFunction<Req, Res>] as const;
  });
}

function resolveDefaultMetrics(value: unknown): string | undefined {
  if (value === undefined || value === true) return "";
  if (value === false) return undefined;
  if (!isObject(value)) {
    throw fail(`defaultMetrics must be a boolean or { prefix?: string }, got ${show(value)}`);
  }
  const prefix = value.prefix ?? "";
  if (typeof prefix !== "string" || !METRIC_PREFIX.test(prefix)) {
    throw fail(`defaultMetrics.prefix must be a metric name prefix, got ${show(prefix)}`);
  }
  return prefix;
}

function resolveExcludeRoutes(value: unknown): Array<string | RegExp> {
  if (value === undefined) return [];
  const valid = (entry: unknown) =>
    (typeof entry === "string" && entry !== "") || entry instanceof RegExp;
  if (!Array.isArray(value) || !value.every(valid)) {
    throw fail(
      `excludeRoutes must be an array of non-empty strings and RegExps, got ${Array.isArray(value) ? `[${value.map(show).join(", ")}]` : show(value)}`,
    );
  }
  return [...(value as Array<string | RegExp>)];
}

function resolveExcludeMethods(value: unknown): Set<string> {
  if (value === undefined) return new Set();
  const valid = (entry: unknown) => typeof entry === "string" && METHOD_TOKEN.test(entry);
  if (!Array.isArray(value) || !value.every(valid)) {
    throw fail(
      `excludeMethods must be an array of HTTP method names, got ${Array.isArray(value) ? `[${value.map(show).join(", ")}]` : show(value)}`,
    );
  }
  return new Set((value as string[]).map((method) => method.toUpperCase()));
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw fail(`${name} must be a number, got ${show(value)}`);
  if (!Number.isInteger(value) || value < 1) {
    throw outOfRange(`${name} must be an integer ≥ 1, got ${show(value)}`);
  }
  return value;
}

function resolveSummary(value: unknown): SummarySettings | undefined {
  if (value === undefined || value === false) return undefined;
  const options = value === true ? {} : value;
  if (!isObject(options)) {
    throw fail(`durationSummary must be a boolean or an object, got ${show(value)}`);
  }
  const percentiles = options.percentiles ?? DEFAULT_SUMMARY_PERCENTILES;
  if (!Array.isArray(percentiles) || percentiles.length === 0) {
    throw fail(`durationSummary.percentiles must be a non-empty array, got ${show(percentiles)}`);
  }
  for (const quantile of percentiles as unknown[]) {
    if (typeof quantile !== "number" || !(quantile > 0 && quantile <= 1)) {
      throw outOfRange(
        `durationSummary.percentiles must be numbers in (0, 1], got ${show(quantile)}`,
      );
    }
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? 600;
  if (typeof maxAgeSeconds !== "number" || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw outOfRange(
      `durationSummary.maxAgeSeconds must be a finite number > 0, got ${show(maxAgeSeconds)}`,
    );
  }
  return {
    percentiles: [...(percentiles as number[])],
    maxAgeSeconds,
    ageBuckets: positiveInteger("durationSummary.ageBuckets", options.ageBuckets, 5),
  };
}

/** Validates the shared options and applies their defaults; throws naming a bad one. */
export function resolveHttpOptions<Req, Res>(
  options: HttpMetricsOptions<Req, Res>,
): ResolvedHttpOptions<Req, Res> {
  return {
    extraLabels: resolveExtraLabels<Req, Res>(options.extraLabels),
    maxLabelValues: positiveInteger("maxLabelValues", options.maxLabelValues, 100),
    defaultMetricsPrefix: resolveDefaultMetrics(options.defaultMetrics),
    excludeRoutes: resolveExcludeRoutes(options.excludeRoutes),
    excludeMethods: resolveExcludeMethods(options.excludeMethods),
    groupStatusCodes: flag("groupStatusCodes", options.groupStatusCodes, false),
    inFlight: flag("inFlight", options.inFlight, false),
    requestSize: flag("requestSize", options.requestSize, false),
    responseSize: flag("responseSize", options.responseSize, false),
    sizeBuckets:
      options.sizeBuckets === undefined
        ? DEFAULT_SIZE_BUCKETS
        : validateBuckets("sizeBuckets", options.sizeBuckets),
    durationSummary: resolveSummary(options.durationSummary),
  };
}
