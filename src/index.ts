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
  HTTP_REQUESTS_IN_FLIGHT,
  HTTP_REQUEST_SIZE_BYTES,
  HTTP_RESPONSE_SIZE_BYTES,
  HTTP_REQUEST_DURATION_SUMMARY_SECONDS,
  DEFAULT_SIZE_BUCKETS,
  DEFAULT_SUMMARY_PERCENTILES,
  OTHER_LABEL_VALUE,
  ERROR_LABEL_VALUE,
} from "./metrics/catalogue.js";
export type { Counter, Gauge, Histogram, LabelArgument } from "./metrics/metric-types.js";
export type { HttpRequestLabel, HttpDurationLabel } from "./metrics/catalogue.js";
export type { MetricSnapshot, SampleValue, ExemplarValue } from "./metrics/metric-object.js";
export type { AnyRegistry } from "./metrics/registry.js";

// HTTP integrations
export { metricsPlugin } from "./fastify/metrics.js";
export type { FastifyMetricsOptions } from "./fastify/metrics.js";
export { metricsMiddleware } from "./express/metrics.js";
export type { ExpressMetricsOptions, ExpressMiddleware } from "./express/metrics.js";
export type {
  HttpMetricsOptions,
  DurationSummaryOptions,
  ExtraLabelFunction,
} from "./http/options.js";
export { clusterMetricsHandler, enableClusterWorkerMetrics } from "./exposition/cluster.js";
export type {
  ClusterMetricsHandlerOptions,
  ClusterWorkerMetricsOptions,
} from "./exposition/cluster.js";
export { metricsHandler } from "./exposition/handler.js";
export type { MetricsHandlerOptions } from "./exposition/handler.js";
export { metricsListener } from "./http/node-listener.js";
export type { NodeHttpMetricsOptions, RequestListener } from "./http/node-listener.js";

// Logging
export { setLogger } from "./kernel/logger.js";
export type { ObservabilityLogger } from "./kernel/logger.js";

// Tracing
export { instrumentApp } from "./tracing/instrument-app.js";
export type {
  InstrumentAppOptions,
  TracingHandle,
  TraceExporterName,
  TraceSamplerName,
  BatchOptions,
} from "./tracing/options.js";
export { traceFunction } from "./tracing/trace-function.js";
export type {
  TraceFunctionOptions,
  TraceDecorator,
  AnyFunction,
} from "./tracing/trace-function.js";
export { traceLogFields } from "./tracing/log-correlation.js";
export type { TraceLogFields } from "./tracing/log-correlation.js";

// Kubernetes runtime: health, graceful shutdown, the separate metrics listener
export { healthPlugin } from "./fastify/health.js";
export type { HealthPluginOptions } from "./fastify/health.js";
export { healthHandler } from "./express/health.js";
export type { HealthHandler } from "./express/health.js";
export type { HealthOptions } from "./health/options.js";
export type {
  ReadinessCheck,
  ReadinessCheckDefinition,
  ReadinessReport,
  CheckResult,
} from "./health/checks.js";
export { createReadinessState, readinessOf } from "./health/readiness-state.js";
export type { ReadinessState } from "./health/readiness-state.js";
export { enableGracefulShutdown } from "./shutdown/graceful-shutdown.js";
export type {
  GracefulShutdown,
  ShutdownTarget,
  FastifyLike as ShutdownFastifyLike,
} from "./shutdown/graceful-shutdown.js";
export type { GracefulShutdownOptions } from "./shutdown/options.js";
export { startMetricsServer } from "./exposition/metrics-server.js";
export type { MetricsServerOptions } from "./exposition/metrics-server.js";
