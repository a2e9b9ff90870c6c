/**
 * @crisislen/observability — Prometheus metrics, OpenTelemetry tracing and Kubernetes assets
 * for Fastify and Express services. Importing this module starts nothing and needs neither
 * Fastify nor Express installed.
 */

// Metrics
export { metrics, getMetrics } from "./metrics/crisislen-metrics.js";
export type { CrisisLensMetrics, MetricsOptions } from "./metrics/crisislen-metrics.js";
export { defaultRegistry } from "./metrics/registry.js";
export {
  DEFAULT_DURATION_BUCKETS,
  RISK_SCORE_BUCKETS,
  HTTP_REQUESTS_TOTAL,
  HTTP_REQUEST_DURATION_SECONDS,
  ITEMS_PROCESSED_TOTAL,
  WORKFLOWS_ACTIVE,
  RISK_SCORE,
  UNMATCHED_ENDPOINT,
  OTHER_METHOD,
} from "./metrics/catalogue.js";
export type { Counter } from "./metrics/counter.js";
export type { Gauge } from "./metrics/gauge.js";
export type { Histogram } from "./metrics/histogram.js";

// HTTP integrations
export { metricsPlugin } from "./fastify.js";
export type { FastifyMetricsOptions } from "./fastify.js";
export { metricsMiddleware } from "./express.js";
export type { ExpressMetricsOptions, ExpressMiddleware } from "./express.js";
export { metricsHandler } from "./http/exposition.js";
export type { MetricsHandlerOptions } from "./http/exposition.js";

// Logging
export { setLogger } from "./logger.js";
export type { ObservabilityLogger } from "./logger.js";
