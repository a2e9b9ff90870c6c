/**
 * The options of `instrumentApp` checked at once, each naming itself when invalid, and unknown
 * keys rejected — before any of them is combined with the environment.
 */
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import {
  booleanOption,
  invalid,
  millisecondsOption,
  numberOption,
  objectOption,
  stringOption,
} from "../kernel/validate.js";
import type {
  BatchOptions,
  InstrumentAppOptions,
  TraceExporterName,
  TraceSamplerName,
} from "./options.js";

export const EXPORTERS: readonly TraceExporterName[] = ["otlp", "console", "none", "jaeger"];
export const SAMPLERS: readonly TraceSamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

/** The keys of {@link InstrumentAppOptions}. */
const INSTRUMENT_APP_OPTION_KEYS = keysOf<InstrumentAppOptions>({
  serviceName: true,
  serviceVersion: true,
  resourceAttributes: true,
  exporter: true,
  endpoint: true,
  headers: true,
  sampler: true,
  samplerArg: true,
  batch: true,
  spanProcessors: true,
  ignorePaths: true,
  frameworkSpans: true,
  redactQueryParams: true,
  shutdownTimeoutMs: true,
  disabled: true,
});

const BATCH_OPTION_KEYS = keysOf<BatchOptions>({
  maxQueueSize: true,
  maxExportBatchSize: true,
  scheduledDelayMillis: true,
  exportTimeoutMillis: true,
});

function choiceOrObject<T extends string>(
  option: string,
  value: unknown,
  choices: readonly T[],
  kind: string,
  method: string,
): T | object | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (choices as readonly string[]).includes(value))
    return value as T;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === "function"
  )
    return value;
  throw invalid(option, `one of ${choices.join(", ")} or a ${kind}`, value);
}

function stringList(option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string"))
    throw invalid(option, "an array of strings", value);
  return value as string[];
}

function stringRecord(option: string, value: unknown): Record<string, string> | undefined {
  const record = objectOption(option, value);
  if (record !== undefined && !Object.values(record).every((entry) => typeof entry === "string"))
    throw invalid(option, "an object of strings", value);
  return record as Record<string, string> | undefined;
}

/** Validates every option (throwing, naming it), so that only the environment is left to read. */
export function checkInstrumentAppOptions(
  input: InstrumentAppOptions | undefined,
): InstrumentAppOptions {
  const options = optionsOf(
    "instrumentApp",
    input,
    INSTRUMENT_APP_OPTION_KEYS,
  ) as InstrumentAppOptions;
  choiceOrObject("exporter", options.exporter, EXPORTERS, "SpanExporter", "export");
  choiceOrObject("sampler", options.sampler, SAMPLERS, "Sampler", "shouldSample");
  if (options.samplerArg !== undefined) numberOption("samplerArg", options.samplerArg, 0, 1);
  optionsOf("batch", objectOption("batch", options.batch), BATCH_OPTION_KEYS);
  stringOption("serviceName", options.serviceName);
  stringOption("serviceVersion", options.serviceVersion);
  stringOption("endpoint", options.endpoint);
  objectOption("resourceAttributes", options.resourceAttributes);
  stringRecord("headers", options.headers);
  if (options.spanProcessors !== undefined && !Array.isArray(options.spanProcessors))
    throw invalid("spanProcessors", "an array of SpanProcessors", options.spanProcessors);
  stringList("ignorePaths", options.ignorePaths);
  booleanOption("frameworkSpans", options.frameworkSpans, false);
  if (options.redactQueryParams !== false)
    stringList("redactQueryParams", options.redactQueryParams);
  if (options.shutdownTimeoutMs !== undefined)
    millisecondsOption("shutdownTimeoutMs", options.shutdownTimeoutMs, 1);
  booleanOption("disabled", options.disabled, false);
  return options;
}
