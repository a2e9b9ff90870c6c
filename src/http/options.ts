/**
 * The request-metrics options both integrations share, validated and resolved once at setup:
 * a bad option throws a `TypeError`/`RangeError` naming it and the value, and the per-request
 * code only ever sees the resolved form.
 */
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import {
  booleanOption,
  bucketsOption,
  integerOption,
  invalid,
  objectOption,
} from "../kernel/validate.js";
import { DEFAULT_SIZE_BUCKETS, DEFAULT_SUMMARY_PERCENTILES } from "../metrics/catalogue.js";
import { checkExtraLabelName } from "../metrics/label-names.js";
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

const METRIC_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The keys of {@link HttpMetricsOptions}, for the integrations' unknown-key check. */
export const HTTP_OPTION_KEYS = keysOf<HttpMetricsOptions<unknown, unknown>>({
  extraLabels: true,
  maxLabelValues: true,
  defaultMetrics: true,
  excludeRoutes: true,
  excludeMethods: true,
  groupStatusCodes: true,
  inFlight: true,
  requestSize: true,
  responseSize: true,
  sizeBuckets: true,
  durationSummary: true,
});

function resolveExtraLabels<Req, Res>(
  value: unknown,
): Array<readonly [string, ExtraLabelFunction<Req, Res>]> {
  const labels = objectOption("extraLabels", value, "an object of functions");
  if (labels === undefined) return [];
  return Object.entries(labels).map(([name, compute]) => {
    checkExtraLabelName(`extraLabels name ${JSON.stringify(name)}`, name);
    if (typeof compute !== "function") throw invalid(`extraLabels.${name}`, "a function", compute);
    return [name, compute as ExtraLabelFunction<Req, Res>] as const;
  });
}

function resolveDefaultMetrics(value: unknown): string | undefined {
  if (value === undefined || value === true) return "";
  if (value === false) return undefined;
  const options = objectOption("defaultMetrics", value, "a boolean or { prefix?: string }") ?? {};
  optionsOf("defaultMetrics", options, ["prefix"]);
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string" || !METRIC_PREFIX.test(prefix)) {
    throw invalid(
      "defaultMetrics.prefix",
      "a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)",
      prefix,
    );
  }
  return prefix;
}

function resolveExcludeRoutes(value: unknown): Array<string | RegExp> {
  if (value === undefined) return [];
  const valid = (entry: unknown) =>
    (typeof entry === "string" && entry !== "") || entry instanceof RegExp;
  if (!Array.isArray(value) || !value.every(valid)) {
    throw invalid("excludeRoutes", "an array of non-empty strings and RegExps", value);
  }
  return [...(value as Array<string | RegExp>)];
}

function resolveExcludeMethods(value: unknown): Set<string> {
  if (value === undefined) return new Set();
  const valid = (entry: unknown) => typeof entry === "string" && METHOD_TOKEN.test(entry);
  if (!Array.isArray(value) || !value.every(valid)) {
    throw invalid("excludeMethods", "an array of HTTP method names", value);
  }
  return new Set((value as string[]).map((method) => method.toUpperCase()));
}

const MAX_COUNT = 1_000_000;

function resolveSummary(value: unknown): SummarySettings | undefined {
  if (value === undefined || value === false) return undefined;
  const options =
    value === true ? {} : (objectOption("durationSummary", value, "a boolean or an object") ?? {});
  optionsOf("durationSummary", options, SUMMARY_OPTION_KEYS);
  const percentiles = options.percentiles ?? DEFAULT_SUMMARY_PERCENTILES;
  const quantiles = "a non-empty array of numbers in (0, 1]";
  if (!Array.isArray(percentiles) || percentiles.length === 0) {
    throw invalid("durationSummary.percentiles", quantiles, percentiles);
  }
  for (const quantile of percentiles as unknown[]) {
    if (typeof quantile !== "number" || !(quantile > 0 && quantile <= 1)) {
      throw invalid("durationSummary.percentiles", quantiles, percentiles, RangeError);
    }
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? 600;
  if (typeof maxAgeSeconds !== "number" || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw invalid(
      "durationSummary.maxAgeSeconds",
      "a finite number > 0",
      maxAgeSeconds,
      RangeError,
    );
  }
  return {
    percentiles: [...(percentiles as number[])],
    maxAgeSeconds,
    ageBuckets:
      options.ageBuckets === undefined
        ? 5
        : integerOption("durationSummary.ageBuckets", options.ageBuckets, 1, 1000),
  };
}

const SUMMARY_OPTION_KEYS = keysOf<DurationSummaryOptions>({
  percentiles: true,
  maxAgeSeconds: true,
  ageBuckets: true,
});

/**
 * Validates the shared options and applies their defaults; throws naming a bad one. Unknown
 * keys are checked by the integration, which knows its own options too.
 */
export function resolveHttpOptions<Req, Res>(
  options: HttpMetricsOptions<Req, Res>,
): ResolvedHttpOptions<Req, Res> {
  return {
    extraLabels: resolveExtraLabels<Req, Res>(options.extraLabels),
    maxLabelValues:
      options.maxLabelValues === undefined
        ? 100
        : integerOption("maxLabelValues", options.maxLabelValues, 1, MAX_COUNT),
    defaultMetricsPrefix: resolveDefaultMetrics(options.defaultMetrics),
    excludeRoutes: resolveExcludeRoutes(options.excludeRoutes),
    excludeMethods: resolveExcludeMethods(options.excludeMethods),
    groupStatusCodes: booleanOption("groupStatusCodes", options.groupStatusCodes, false),
    inFlight: booleanOption("inFlight", options.inFlight, false),
    requestSize: booleanOption("requestSize", options.requestSize, false),
    responseSize: booleanOption("responseSize", options.responseSize, false),
    sizeBuckets:
      options.sizeBuckets === undefined
        ? DEFAULT_SIZE_BUCKETS
        : bucketsOption("sizeBuckets", options.sizeBuckets),
    durationSummary: resolveSummary(options.durationSummary),
  };
}
