/**
 * `instrumentApp(app, options)`: starts tracing once per process (whichever copy of the package
 * and whichever call comes first) and attaches the framework-specific part to `app`.
 */
import { subscribe } from "node:diagnostics_channel";
import { warnOnce } from "../kernel/logger.js";
import { invalid } from "../kernel/validate.js";
import { resolveConfig, type ResolvedConfig } from "./config.js";
import { instrumentExpress } from "../express/tracing.js";
import { instrumentFastify } from "../fastify/tracing.js";
import { isExpress, isFastify } from "../kernel/frameworks.js";
import {
  applyFrameworkSpans,
  ensureInstrumentations,
  rehookLoadedModules,
} from "./instrumentations.js";
import type { InstrumentAppOptions, TracingHandle } from "./options.js";
import { pathMatcher } from "./paths.js";
import { disabledHandle, startProvider } from "./provider.js";
import { tracingState, type RunningTracing } from "./state.js";

/** Options that configure the provider: they only apply when this call is the one that starts tracing. */
const PROVIDER_OPTIONS = [
  "serviceName",
  "serviceVersion",
  "resourceAttributes",
  "exporter",
  "endpoint",
  "headers",
  "sampler",
  "samplerArg",
  "batch",
  "spanProcessors",
  "redactQueryParams",
  "shutdownTimeoutMs",
] as const satisfies ReadonlyArray<keyof InstrumentAppOptions & keyof ResolvedConfig>;

const same = (a: unknown, b: unknown): boolean =>
  a === b ||
  (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b));

function warnIgnored(
  options: InstrumentAppOptions,
  config: ResolvedConfig,
  running: RunningTracing,
): void {
  const ignored = PROVIDER_OPTIONS.filter(
    (key) => options[key] !== undefined && !same(config[key], running.config[key]),
  );
  if (ignored.length === 0) return;
  const by =
    running.startedBy === "preload"
      ? "the register preload (configured from OTEL_* variables)"
      : "an earlier instrumentApp call";
  warnOnce(
    `tracing:ignored:${ignored.join(",")}`,
    `tracing was already started by ${by}; these options of this call are ignored: ${ignored.join(", ")}.` +
      (running.startedBy === "preload" ? " Set them as OTEL_* environment variables instead." : ""),
  );
}

/** Starts tracing if needed, without an app. Used by the preload and by {@link instrumentApp}. */
export function ensureTracing(
  options: InstrumentAppOptions,
  startedBy: RunningTracing["startedBy"],
): RunningTracing | undefined {
  const config = resolveConfig(options);
  if (config.disabled) return undefined;
  const state = tracingState();
  const createdNow = ensureInstrumentations();
  if (startedBy === "preload") state.preloaded = true;
  else if (createdNow) rehookLoadedModules();
  if (options.ignorePaths !== undefined || state.running === undefined) {
    state.settings.isIgnoredPath = pathMatcher(config.ignorePaths);
  }
  if (options.frameworkSpans !== undefined || state.running === undefined)
    applyFrameworkSpans(config.frameworkSpans);
  if (state.running !== undefined) {
    warnIgnored(options, config, state.running);
    return state.running;
  }
  const handle = startProvider(config);
  state.running = { handle, config, startedBy, holders: 0 };
  if (startedBy === "preload") {
    // Every Fastify instance created from now on is instrumented as by instrumentApp(app),
    // before any route exists (Fastify ≥ 4.x publishes each new instance on this channel).
    subscribe("fastify.initialization", (message) => {
      const app = (message as { fastify?: unknown }).fastify;
      if (isFastify(app))
        instrumentFastify(app, state.settings.frameworkSpans, () => Promise.resolve());
    });
  }
  return state.running;
}

/**
 * Traces a Fastify (4, 5) instance or an Express (4, 5) app: one server span per request named by
 * the route template, client spans for outbound `http` and `fetch`, W3C `traceparent` in and out,
 * batch export to Jaeger over OTLP/HTTP. Idempotent: later calls, from any copy of the package,
 * reuse the running provider. Call it right after creating the app, before defining routes.
 *
 * @example
 * const app = Fastify();
 * const tracing = await instrumentApp(app, { serviceName: "crisislen-api" });
 * // … on shutdown (Fastify's onClose does it too):
 * await tracing.shutdown();
 */
export async function instrumentApp(
  app: unknown,
  options: InstrumentAppOptions = {},
): Promise<TracingHandle> {
  const fastify = isFastify(app);
  if (!fastify && !isExpress(app)) {
    throw invalid("the app given to instrumentApp", "a Fastify instance or an Express app", app);
  }
  const state = tracingState();
  const wasHookedBefore = state.instrumentations.has("http");
  const running = ensureTracing(options, "instrumentApp");
  if (running === undefined) return disabledHandle();
  const { handle } = running;
  if (fastify) {
    running.holders += 1;
    instrumentFastify(app, state.settings.frameworkSpans, async () => {
      running.holders -= 1;
      if (running.holders <= 0 && running.startedBy === "instrumentApp") await handle.shutdown();
    });
  } else if (isExpress(app)) {
    instrumentExpress(app, !wasHookedBefore);
  }
  return handle;
}
