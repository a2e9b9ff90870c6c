/**
 * Turns options + `OTEL_*` variables into one resolved configuration. Precedence, for every
 * setting: explicit option, then environment variable, then constant default. The environment is
 * read when tracing starts, never at import time. An invalid variable is logged and its default
 * used; an invalid option throws (loud at setup).
 */
import type { Attributes } from "@opentelemetry/api";
import type { Sampler, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { envInteger, envText, warnInvalidEnv, type Env } from "../kernel/env.js";
import { MAX_TIMER_MS, integerOption, invalid } from "../kernel/validate.js";
import { EXPORTERS, SAMPLERS, checkInstrumentAppOptions } from "./check-options.js";
import type {
  BatchOptions,
  InstrumentAppOptions,
  TraceExporterName,
  TraceSamplerName,
} from "./options.js";

const DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces";
const DEFAULT_IGNORE_PATHS = ["/metrics", "/health/live", "/health/ready"] as const;
const DEFAULT_REDACTED_PARAMS = [
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

function envNumber(
  env: Env,
  name: string,
  fallback: number,
  allowed: string,
  check: (n: number) => boolean,
): number {
  const raw = envText(name, env);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && check(value)) return value;
  warnInvalidEnv(name, raw, allowed, fallback);
  return fallback;
}

function envChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = envText(name, env)?.toLowerCase();
  if (raw === undefined) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  warnInvalidEnv(name, raw, `one of ${choices.join(", ")}`, JSON.stringify(fallback));
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
      warnInvalidEnv(name, pair, "key=value", "nothing for this entry");
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      warnInvalidEnv(name, pair, "a percent-encoded value", "nothing for this entry");
    }
  }
  return out;
}

function isTrue(raw: string | undefined): boolean {
  return raw?.trim().toLowerCase() === "true";
}

const MAX_QUEUE = 1_000_000;

/** A batch setting: the option (validated), else its `OTEL_BSP_*` variable, else `fallback`. */
function batchSetting(
  env: Env,
  option: keyof BatchOptions,
  value: unknown,
  variable: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value !== undefined) return integerOption(`batch.${option}`, value, min, max);
  return envInteger(variable, fallback, min, max, env);
}

/** Resolves `options` against `env` (default `process.env`). */
export function resolveConfig(
  input: InstrumentAppOptions = {},
  env: Env = process.env,
): ResolvedConfig {
  const options = checkInstrumentAppOptions(input);
  const exporter = options.exporter ?? envChoice(env, "OTEL_TRACES_EXPORTER", EXPORTERS, "otlp");
  const b = options.batch ?? {};
  const delayDefault = exporter === "console" ? 500 : 5000;
  const batch: Required<BatchOptions> = {
    maxQueueSize: batchSetting(
      env,
      "maxQueueSize",
      b.maxQueueSize,
      "OTEL_BSP_MAX_QUEUE_SIZE",
      1,
      MAX_QUEUE,
      2048,
    ),
    maxExportBatchSize: batchSetting(
      env,
      "maxExportBatchSize",
      b.maxExportBatchSize,
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      1,
      MAX_QUEUE,
      512,
    ),
    scheduledDelayMillis: batchSetting(
      env,
      "scheduledDelayMillis",
      b.scheduledDelayMillis,
      "OTEL_BSP_SCHEDULE_DELAY",
      0,
      MAX_TIMER_MS,
      delayDefault,
    ),
    exportTimeoutMillis: batchSetting(
      env,
      "exportTimeoutMillis",
      b.exportTimeoutMillis,
      "OTEL_BSP_EXPORT_TIMEOUT",
      1,
      MAX_TIMER_MS,
      30_000,
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
    throw invalid("endpoint", "an absolute http(s) URL", endpoint);
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
      options.samplerArg ??
      envNumber(env, "OTEL_TRACES_SAMPLER_ARG", 1, "a number from 0 to 1", (n) => n >= 0 && n <= 1),
    batch,
    spanProcessors: options.spanProcessors ?? [],
    ignorePaths: options.ignorePaths ?? DEFAULT_IGNORE_PATHS,
    frameworkSpans: options.frameworkSpans ?? false,
    redactQueryParams: options.redactQueryParams ?? DEFAULT_REDACTED_PARAMS,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
  };
}
