/**
 * Turns options + `OTEL_*` variables into one resolved configuration. Precedence, for every
 * setting: explicit option, then environment variable, then constant default. The environment is
 * read when tracing starts, never at import time. An invalid variable is logged and its default
 * used; an invalid option throws (loud at setup).
 */
import type { Attributes } from "@opentelemetry/api";
import type { Sampler, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../kernel/logger.js";
import type {
  BatchOptions,
  InstrumentAppOptions,
  TraceExporterName,
  TraceSamplerName,
} from "./options.js";

export const DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces";
export const DEFAULT_IGNORE_PATHS = ["/metrics", "/health/live", "/health/ready"] as const;
export const DEFAULT_REDACTED_PARAMS = [
  "token",
  "password",
  "passwd",
  "pwd",
  "secret",
  "key",
  "keyid",
  "signature",
  "sig",
  "credential",
  "auth",
  "session",
  "sessionid",
] as const;
const EXPORTERS: readonly TraceExporterName[] = ["otlp", "console", "none", "jaeger"];
const SAMPLERS: readonly TraceSamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

export interface ResolvedConfig {
  disabled: boolean;
  serviceName: string | undefined;
  serviceVersion: string | undefined;
  resourceAttributes: Attributes;
  exporter: TraceExporterName | SpanExporter;
  /** Whether `exporter` came from an option (a missing Jaeger package then throws instead of logging). */
  exporterFromOption: boolean;
  endpoint: string;
  headers: Record<string, string> | undefined;
  sampler: TraceSamplerName | Sampler;
  samplerArg: number;
  batch: Required<BatchOptions>;
  spanProcessors: SpanProcessor[];
  ignorePaths: readonly string[];
  frameworkSpans: boolean;
  redactQueryParams: readonly string[] | false;
  shutdownTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

function invalid(name: string, value: string, fallback: unknown): void {
  warnOnce(
    `env:${name}`,
    `ignoring ${name}=${JSON.stringify(value)} (invalid); using ${JSON.stringify(fallback)}`,
  );
}

function envNumber(
  env: Env,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && check(value)) return value;
  invalid(name, raw, fallback);
  return fallback;
}

function envChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  invalid(name, raw, fallback);
  return fallback;
}

/** Parses `k=v,k2=v2` (W3C baggage-like, percent-encoded values) as used by OTEL_RESOURCE_ATTRIBUTES and the headers variables. */
export function parseKeyValueList(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined || raw.trim() === "") return out;
  for (const pair of raw.split(",")) {
    const at = pair.indexOf("=");
    const key = pair.slice(0, at).trim();
    if (at <= 0 || key === "") {
      invalid(name, pair, "entry skipped");
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      invalid(name, pair, "entry skipped");
    }
  }
  return out;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `@crisislen/observability: ${name} must be a positive number, got ${String(value)}`,
    );
  }
  return value;
}

function isTrue(raw: string | undefined): boolean {
  return raw?.trim().toLowerCase() === "true";
}

/** Resolves `options` against `env` (default `process.env`). */
export function resolveConfig(
  options: InstrumentAppOptions = {},
  env: Env = process.env,
): ResolvedConfig {
  if (
    options.exporter !== undefined &&
    typeof options.exporter === "string" &&
    !EXPORTERS.includes(options.exporter)
  ) {
    throw new TypeError(
      `@crisislen/observability: exporter must be one of ${EXPORTERS.join(", ")} or a SpanExporter, got ${JSON.stringify(options.exporter)}`,
    );
  }
  if (typeof options.sampler === "string" && !SAMPLERS.includes(options.sampler)) {
    throw new TypeError(
      `@crisislen/observability: sampler must be one of ${SAMPLERS.join(", ")} or a Sampler, got ${JSON.stringify(options.sampler)}`,
    );
  }
  if (options.samplerArg !== undefined && !(options.samplerArg >= 0 && options.samplerArg <= 1)) {
    throw new RangeError(
      `@crisislen/observability: samplerArg must be between 0 and 1, got ${String(options.samplerArg)}`,
    );
  }
  const exporter = options.exporter ?? envChoice(env, "OTEL_TRACES_EXPORTER", EXPORTERS, "otlp");
  const b = options.batch ?? {};
  const delayDefault = exporter === "console" ? 500 : 5000;
  const batch: Required<BatchOptions> = {
    maxQueueSize: positive(
      "batch.maxQueueSize",
      b.maxQueueSize,
      envNumber(env, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, (n) => n >= 1),
    ),
    maxExportBatchSize: positive(
      "batch.maxExportBatchSize",
      b.maxExportBatchSize,
      envNumber(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, (n) => n >= 1),
    ),
    scheduledDelayMillis: positive(
      "batch.scheduledDelayMillis",
      b.scheduledDelayMillis,
      envNumber(env, "OTEL_BSP_SCHEDULE_DELAY", delayDefault, (n) => n >= 0),
    ),
    exportTimeoutMillis: positive(
      "batch.exportTimeoutMillis",
      b.exportTimeoutMillis,
      envNumber(env, "OTEL_BSP_EXPORT_TIMEOUT", 30_000, (n) => n > 0),
    ),
  };
  batch.maxExportBatchSize = Math.min(batch.maxExportBatchSize, batch.maxQueueSize);

  const genericEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint =
    options.endpoint ??
    (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ||
      (genericEndpoint ? `${genericEndpoint.replace(/\/+$/, "")}/v1/traces` : DEFAULT_ENDPOINT));
  let protocol = "";
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TypeError(
      `@crisislen/observability: endpoint must be an absolute http(s) URL, got ${JSON.stringify(endpoint)}`,
    );
  }

  const envHeaders = {
    ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS"),
    ...parseKeyValueList(
      env.OTEL_EXPORTER_OTLP_TRACES_HEADERS,
      "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ),
  };
  const headers = { ...envHeaders, ...options.headers };

  return {
    disabled: options.disabled ?? isTrue(env.OTEL_SDK_DISABLED),
    serviceName: options.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || undefined),
    serviceVersion:
      options.serviceVersion ??
      (env.OTEL_SERVICE_VERSION?.trim() || env.npm_package_version || undefined),
    resourceAttributes: options.resourceAttributes ?? {},
    exporter,
    exporterFromOption: options.exporter !== undefined,
    endpoint,
    headers: Object.keys(headers).length > 0 ? headers : undefined,
    sampler:
      options.sampler ?? envChoice(env, "OTEL_TRACES_SAMPLER", SAMPLERS, "parentbased_always_on"),
    samplerArg:
      options.samplerArg ?? envNumber(env, "OTEL_TRACES_SAMPLER_ARG", 1, (n) => n >= 0 && n <= 1),
    batch,
    spanProcessors: options.spanProcessors ?? [],
    ignorePaths: options.ignorePaths ?? DEFAULT_IGNORE_PATHS,
    frameworkSpans: options.frameworkSpans ?? false,
    redactQueryParams: options.redactQueryParams ?? DEFAULT_REDACTED_PARAMS,
    shutdownTimeoutMs: positive("shutdownTimeoutMs", options.shutdownTimeoutMs, 5000),
  };
}
