/**
 * The opt-in HTTP metrics: the in-flight gauge, the body size histograms and the duration
 * summary. Registered get-or-create like the five metrics, only when an integration enables
 * them, so a default setup registers none of them.
 */
import { Summary } from "prom-client";
import {
  HELP,
  HTTP_REQUEST_DURATION_SUMMARY_SECONDS,
  HTTP_REQUESTS_IN_FLIGHT,
} from "./catalogue.js";
import type {
  HttpDurationLabel,
  HTTP_REQUEST_SIZE_BYTES,
  HTTP_RESPONSE_SIZE_BYTES,
} from "./catalogue.js";
import { Histogram } from "./histogram.js";
import { LabelledGauge } from "./labelled-gauge.js";
import type { MetricShape } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";
import { getOrRegister } from "./registry.js";
import type { AnyRegistry } from "./registry.js";

/** `http_requests_in_flight` with `labelNames` (`method, endpoint`, or `method` for Express). */
export function getInFlightGauge(
  registry: AnyRegistry,
  labelNames: readonly HttpDurationLabel[],
): LabelledGauge<HttpDurationLabel> {
  return getOrRegister(
    registry,
    HTTP_REQUESTS_IN_FLIGHT,
    { type: "gauge", labelNames },
    () =>
      new LabelledGauge<HttpDurationLabel>({
        name: HTTP_REQUESTS_IN_FLIGHT,
        help: HELP[HTTP_REQUESTS_IN_FLIGHT],
        labelNames,
      }),
  );
}

type SizeMetricName = typeof HTTP_REQUEST_SIZE_BYTES | typeof HTTP_RESPONSE_SIZE_BYTES;

/** `http_request_size_bytes` or `http_response_size_bytes{method, endpoint}`. */
export function getSizeHistogram(
  registry: AnyRegistry,
  name: SizeMetricName,
  buckets: readonly number[],
): Histogram<HttpDurationLabel> {
  const labelNames: HttpDurationLabel[] = ["method", "endpoint"];
  return getOrRegister(
    registry,
    name,
    { type: "histogram", labelNames, buckets },
    () => new Histogram<HttpDurationLabel>({ name, help: HELP[name], labelNames, buckets }),
  );
}

/** Settings of the duration summary. */
export interface SummarySettings {
  percentiles: readonly number[];
  maxAgeSeconds: number;
  ageBuckets: number;
}

/** The part of prom-client's `Summary` the recorder uses. */
export interface DurationSummary {
  labels(method: string, endpoint: string): { observe(value: number): void };
}

/**
 * `http_request_duration_summary_seconds{method, endpoint}`: prom-client's own `Summary`, marked
 * as ours so a second registration reuses it. Its cluster aggregator is `omit`: quantiles of
 * different processes cannot be combined, so the aggregated exposition leaves it out instead of
 * summing them into nonsense.
 */
export function getDurationSummary(
  registry: AnyRegistry,
  settings: SummarySettings,
): DurationSummary {
  const labelNames: HttpDurationLabel[] = ["method", "endpoint"];
  const shape: MetricShape = { type: "summary", labelNames, percentiles: settings.percentiles };
  return getOrRegister(registry, HTTP_REQUEST_DURATION_SUMMARY_SECONDS, shape, () => {
    const summary = new Summary<HttpDurationLabel>({
      name: HTTP_REQUEST_DURATION_SUMMARY_SECONDS,
      help: HELP[HTTP_REQUEST_DURATION_SUMMARY_SECONDS],
      labelNames,
      percentiles: [...settings.percentiles],
      maxAgeSeconds: settings.maxAgeSeconds,
      ageBuckets: settings.ageBuckets,
      aggregator: "omit",
      registers: [],
    });
    Object.defineProperty(summary, OWN_METRIC, { value: true });
    Object.defineProperty(summary, "shape", { value: shape });
    return summary as unknown as DurationSummary & { name: string; shape: MetricShape };
  });
}
