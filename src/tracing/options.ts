/** The public options of {@link instrumentApp} and the handle it returns. */
import type { Attributes, TracerProvider } from "@opentelemetry/api";
import type { Sampler, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Where finished spans go. */
export type TraceExporterName = "otlp" | "console" | "none" | "jaeger";

/** Sampler names of the `OTEL_TRACES_SAMPLER` variable. */
export type TraceSamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** Settings of the bounded batch span processor. Each falls back to its `OTEL_BSP_*` variable. */
export interface BatchOptions {
  /** Spans held while waiting for export; more are dropped and counted. @default 2048 (`OTEL_BSP_MAX_QUEUE_SIZE`) */
  maxQueueSize?: number;
  /** Spans per export request. @default 512 (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`) */
  maxExportBatchSize?: number;
  /** Delay between two exports, in ms. @default 5000, 500 for the console exporter (`OTEL_BSP_SCHEDULE_DELAY`) */
  scheduledDelayMillis?: number;
  /** Time after which an export is abandoned, in ms. @default 30000 (`OTEL_BSP_EXPORT_TIMEOUT`) */
  exportTimeoutMillis?: number;
}

/** Options of {@link instrumentApp}. Every option wins over its environment variable. */
export interface InstrumentAppOptions {
  /** `service.name` of the resource. @default `OTEL_SERVICE_NAME`, else `unknown_service:node` */
  serviceName?: string;
  /** `service.version` of the resource. @default `OTEL_SERVICE_VERSION`, else `npm_package_version` when run by npm */
  serviceVersion?: string;
  /** Extra resource attributes; they win over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Attributes;
  /**
   * Where spans go: `"otlp"` (OTLP/HTTP protobuf, what Jaeger ≥1.35 takes on port 4318),
   * `"console"` (one readable summary per finished trace), `"none"`, `"jaeger"` (legacy Thrift,
   * needs the optional peer `@opentelemetry/exporter-jaeger`), or your own `SpanExporter`.
   * @default `OTEL_TRACES_EXPORTER`, else `"otlp"`
   */
  exporter?: TraceExporterName | SpanExporter;
  /**
   * Full OTLP traces URL, used as written.
   * @default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`
   */
  endpoint?: string;
  /** Extra HTTP headers of the OTLP export requests (e.g. an auth token). @default `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS` */
  headers?: Record<string, string>;
  /** A sampler name or a `Sampler`. @default `OTEL_TRACES_SAMPLER`, else `"parentbased_always_on"` */
  sampler?: TraceSamplerName | Sampler;
  /** Ratio of the `traceidratio` samplers, 0–1. @default `OTEL_TRACES_SAMPLER_ARG`, else 1 */
  samplerArg?: number;
  /** Batch export settings. */
  batch?: BatchOptions;
  /** Extra span processors, run before the export processor (e.g. an in-memory exporter in tests). @default [] */
  spanProcessors?: SpanProcessor[];
  /**
   * Request paths that get no server span (query string ignored). An entry ending in `*` is a prefix.
   * @default ["/metrics", "/health/live", "/health/ready"]
   */
  ignorePaths?: readonly string[];
  /**
   * Also trace the framework internals: Fastify hook and handler spans, Express middleware and
   * router spans. Off by default: one route-named server span per request.
   * @default false
   */
  frameworkSpans?: boolean;
  /**
   * Query parameters whose value is replaced by `REDACTED` in URL attributes. A name matches when,
   * lower-cased and stripped of `-`, `_` and `.`, it ends with an entry. `false` turns redaction
   * (including of `user:password@`) off.
   * @default ["token", "password", "passwd", "pwd", "secret", "key", "keyid", "signature", "sig", "credential", "auth", "session", "sessionid"]
   */
  redactQueryParams?: readonly string[] | false;
  /** Upper bound of `shutdown()`, in ms, even when the collector hangs. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Turns tracing off entirely (a no-op handle). @default `OTEL_SDK_DISABLED === "true"` */
  disabled?: boolean;
}

/** What {@link instrumentApp} gives back. */
export interface TracingHandle {
  /** Whether this process exports spans (false when disabled). */
  readonly enabled: boolean;
  /** The registered provider (a no-op one when disabled). */
  readonly tracerProvider: TracerProvider;
  /** Exports every queued span; bounded by `shutdownTimeoutMs`. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and stops tracing; bounded by `shutdownTimeoutMs`. Never rejects; idempotent. */
  shutdown(): Promise<void>;
  /** Spans dropped so far because the queue was full or their export failed. */
  droppedSpans(): number;
}
