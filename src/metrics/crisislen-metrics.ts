/**
 * The five CrisisLens metrics for one registry, with the domain helpers around them. Created
 * once per registry and reused; `metrics` (the root export) is the default registry's set.
 */
import { sharedSlot } from "../kernel/global-state.js";
import {
  DEFAULT_DURATION_BUCKETS,
  HELP,
  HTTP_DURATION_LABELS,
  HTTP_REQUEST_DURATION_SECONDS,
  HTTP_REQUEST_LABELS,
  HTTP_REQUESTS_TOTAL,
  ITEMS_PROCESSED_TOTAL,
  RISK_SCORE,
  RISK_SCORE_BUCKETS,
  WORKFLOWS_ACTIVE,
} from "./catalogue.js";
import type { HttpDurationLabel, HttpRequestLabel } from "./catalogue.js";
import { Counter } from "./counter.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { bucketsOption, invalid } from "../kernel/validate.js";
import { requireInRange, requireNonNegative } from "./errors.js";
import { Gauge } from "./gauge.js";
import { Histogram } from "./histogram.js";
import type {
  Counter as PublicCounter,
  Gauge as PublicGauge,
  Histogram as PublicHistogram,
} from "./metric-types.js";
import { OWN_METRIC } from "./metric-object.js";
import { checkExtraLabelNames } from "./label-names.js";
import { defaultRegistry, getOrRegister, registryOption } from "./registry.js";
import type { AnyRegistry } from "./registry.js";

/** The five metrics, plus helpers that record CrisisLens domain events correctly. */
export interface CrisisLensMetrics {
  /** `http_requests_total{method, endpoint, status}` (plus the extra labels, when configured). */
  readonly httpRequests: PublicCounter<HttpRequestLabel>;
  /** `http_request_duration_seconds{method, endpoint}` (plus the extra labels, when configured). */
  readonly httpRequestDuration: PublicHistogram<HttpDurationLabel>;
  /** `crisislen_items_processed_total`. */
  readonly itemsProcessed: PublicCounter<never>;
  /** `crisislen_workflows_active`. */
  readonly workflowsActive: PublicGauge;
  /** `crisislen_risk_score`, buckets 0.1 … 1; values outside 0–1 are rejected. */
  readonly riskScore: PublicHistogram<never>;
  /**
   * Counts processed items. Throws a `RangeError` naming the metric for a negative or
   * non-finite count (and a `TypeError` for a non-number), recording nothing.
   * @param count - how many items, default 1
   */
  countItems(count?: number): void;
  /**
   * Runs `work` with `crisislen_workflows_active` raised by one, and lowers it again when `work`
   * returns, throws, or its promise settles. Returns what `work` returns (sync stays sync).
   */
  trackWorkflow<T>(work: () => T): T;
  /** Records a risk score in 0–1; throws naming the metric and the value otherwise. */
  recordRiskScore(score: number): void;
}

/** The set as built: the metric objects typed as the classes they are, for the recorders. */
export interface OwnMetrics extends CrisisLensMetrics {
  readonly httpRequests: Counter<HttpRequestLabel>;
  readonly httpRequestDuration: Histogram<HttpDurationLabel>;
  readonly itemsProcessed: Counter<never>;
  readonly workflowsActive: Gauge;
  readonly riskScore: Histogram<never>;
}

/** Options of {@link getMetrics}. */
export interface MetricsOptions {
  /** Registry to register in. @default the process-wide default registry (prom-client's `register`) */
  registry?: AnyRegistry;
  /** Buckets of `http_request_duration_seconds` in seconds. @default DEFAULT_DURATION_BUCKETS */
  durationBuckets?: readonly number[];
  /**
   * Label names the two HTTP metrics carry after their own (the `extraLabels` option of the
   * integrations): valid Prometheus label names, not starting with `__`, none of `method`,
   * `endpoint`, `status`, `le`, `quantile`, none twice.
   * @default the names the registry's metrics already have, or none
   */
  extraLabelNames?: readonly string[];
}

function build(
  registry: AnyRegistry,
  durationBuckets: readonly number[],
  extraLabelNames: readonly string[],
): OwnMetrics {
  const requestLabels = [...HTTP_REQUEST_LABELS, ...extraLabelNames] as HttpRequestLabel[];
  const durationLabels = [...HTTP_DURATION_LABELS, ...extraLabelNames] as HttpDurationLabel[];
  const httpRequests = getOrRegister(
    registry,
    HTTP_REQUESTS_TOTAL,
    { type: "counter", labelNames: requestLabels },
    () =>
      new Counter<HttpRequestLabel>({
        name: HTTP_REQUESTS_TOTAL,
        help: HELP[HTTP_REQUESTS_TOTAL],
        labelNames: requestLabels,
      }),
  );
  const httpRequestDuration = getOrRegister(
    registry,
    HTTP_REQUEST_DURATION_SECONDS,
    { type: "histogram", labelNames: durationLabels, buckets: durationBuckets },
    () =>
      new Histogram<HttpDurationLabel>({
        name: HTTP_REQUEST_DURATION_SECONDS,
        help: HELP[HTTP_REQUEST_DURATION_SECONDS],
        labelNames: durationLabels,
        buckets: durationBuckets,
      }),
  );
  const itemsProcessed = getOrRegister(
    registry,
    ITEMS_PROCESSED_TOTAL,
    { type: "counter", labelNames: [] },
    () => new Counter<never>({ name: ITEMS_PROCESSED_TOTAL, help: HELP[ITEMS_PROCESSED_TOTAL] }),
  );
  const workflowsActive = getOrRegister(
    registry,
    WORKFLOWS_ACTIVE,
    { type: "gauge", labelNames: [] },
    () => new Gauge({ name: WORKFLOWS_ACTIVE, help: HELP[WORKFLOWS_ACTIVE] }),
  );
  const riskScore = getOrRegister(
    registry,
    RISK_SCORE,
    { type: "histogram", labelNames: [], buckets: RISK_SCORE_BUCKETS },
    () =>
      new Histogram<never>({
        name: RISK_SCORE,
        help: HELP[RISK_SCORE],
        buckets: RISK_SCORE_BUCKETS,
        validate: (metric, value) => void requireInRange(metric, value, 0, 1),
      }),
  );

  return {
    httpRequests,
    httpRequestDuration,
    itemsProcessed,
    workflowsActive,
    riskScore,
    countItems(count = 1) {
      itemsProcessed.inc(requireNonNegative(ITEMS_PROCESSED_TOTAL, count, "count"));
    },
    trackWorkflow<T>(work: () => T): T {
      if (typeof work !== "function")
        throw invalid(`${WORKFLOWS_ACTIVE} trackWorkflow() argument`, "a function", work);
      workflowsActive.inc();
      let result: T;
      try {
        result = work();
      } catch (error) {
        workflowsActive.dec();
        throw error;
      }
      if (result !== null && typeof (result as { then?: unknown })?.then === "function") {
        const done = () => workflowsActive.dec();
        (result as PromiseLike<unknown>).then(done, done);
        return result;
      }
      workflowsActive.dec();
      return result;
    },
    recordRiskScore(score) {
      riskScore.observe(score);
    },
  };
}

const cache = () => sharedSlot("metricsByRegistry", () => new WeakMap<AnyRegistry, OwnMetrics>());

const METRICS_OPTION_KEYS = keysOf<MetricsOptions>({
  registry: true,
  durationBuckets: true,
  extraLabelNames: true,
});

/**
 * The five metrics registered in `options.registry` (default: the process-wide registry),
 * created on first use and reused afterwards. A registry that was cleared (hot reload) gets
 * them registered again. Throws when an option is invalid or unknown, or when the duration
 * buckets or extra label names differ from those the registry's metrics already have.
 */
export function getMetrics(options?: MetricsOptions): CrisisLensMetrics {
  if (options === undefined) return ownMetrics(defaultRegistry(), undefined, undefined);
  const given = optionsOf("getMetrics", options, METRICS_OPTION_KEYS) as MetricsOptions;
  return ownMetrics(
    registryOption("registry", given.registry) ?? defaultRegistry(),
    given.durationBuckets === undefined
      ? undefined
      : bucketsOption("durationBuckets", given.durationBuckets),
    given.extraLabelNames === undefined
      ? undefined
      : checkExtraLabelNames("extraLabelNames", given.extraLabelNames),
  );
}

/**
 * {@link getMetrics} with checked arguments (the integrations validate their options first):
 * `undefined` buckets or names mean those the registry's metrics already have.
 */
export function ownMetrics(
  registry: AnyRegistry,
  durationBuckets: readonly number[] | undefined,
  extraLabels: readonly string[] | undefined,
): OwnMetrics {
  const buckets = durationBuckets ?? registeredDurationBuckets(registry);
  const extraLabelNames = extraLabels ?? registeredExtraLabels(registry);
  const cached = cache().get(registry);
  if (
    cached !== undefined &&
    registry.getSingleMetric(HTTP_REQUESTS_TOTAL) === (cached.httpRequests as unknown) &&
    registry.getSingleMetric(RISK_SCORE) === (cached.riskScore as unknown) &&
    sameBuckets(cached.httpRequestDuration.buckets, buckets) &&
    sameList(cached.httpRequests.labelNames.slice(HTTP_REQUEST_LABELS.length), extraLabelNames)
  ) {
    return cached;
  }
  const created = build(registry, buckets, extraLabelNames);
  cache().set(registry, created);
  return created;
}

/** The buckets of the duration histogram already in `registry`, so a later plain call reuses them. */
function registeredDurationBuckets(registry: AnyRegistry): readonly number[] {
  const existing = registry.getSingleMetric(HTTP_REQUEST_DURATION_SECONDS) as unknown as
    { buckets?: unknown; [OWN_METRIC]?: boolean } | undefined;
  if (existing?.[OWN_METRIC] === true && Array.isArray(existing.buckets))
    return existing.buckets as number[];
  return DEFAULT_DURATION_BUCKETS;
}

/** The extra label names of the request counter already in `registry`, so a plain call reuses them. */
function registeredExtraLabels(registry: AnyRegistry): readonly string[] {
  const existing = registry.getSingleMetric(HTTP_REQUESTS_TOTAL) as unknown as
    { labelNames?: unknown; [OWN_METRIC]?: boolean } | undefined;
  if (existing?.[OWN_METRIC] === true && Array.isArray(existing.labelNames))
    return (existing.labelNames as string[]).slice(HTTP_REQUEST_LABELS.length);
  return [];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

const sameBuckets = sameList<number>;

/**
 * The five CrisisLens metrics in the default registry, created on first access (importing the
 * package registers nothing).
 */
export const metrics: CrisisLensMetrics = {
  get httpRequests() {
    return getMetrics().httpRequests;
  },
  get httpRequestDuration() {
    return getMetrics().httpRequestDuration;
  },
  get itemsProcessed() {
    return getMetrics().itemsProcessed;
  },
  get workflowsActive() {
    return getMetrics().workflowsActive;
  },
  get riskScore() {
    return getMetrics().riskScore;
  },
  countItems: (count) => getMetrics().countItems(count),
  trackWorkflow: (work) => getMetrics().trackWorkflow(work),
  recordRiskScore: (score) => getMetrics().recordRiskScore(score),
};
