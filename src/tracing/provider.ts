/**
 * Starts the one tracer provider of the process: resource, sampler, redaction, bounded batch
 * export, W3C propagation, async-local-storage context. Returns the handle whose `shutdown()` is
 * bounded in time even when the collector hangs. Traces only: no meter or logger provider is
 * created, so nothing is sent to a metrics or logs endpoint.
 */
import { context, propagation, trace, type TracerProvider } from "@opentelemetry/api";
import type { BasicTracerProvider, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../kernel/logger.js";
import { onShutdown } from "../kernel/shutdown-hooks.js";
import { remainingShutdownBudget } from "../kernel/shutdown-budget.js";
import { boundedFlush } from "./bounded-flush.js";
import type { ResolvedConfig } from "./config.js";
import { createDropCounter } from "./drop-counter.js";
import { createExporter } from "./exporter.js";
import { connectInstrumentations } from "./instrumentations.js";
import { loadSdk } from "./load.js";
import type { TracingHandle } from "./options.js";
import { RedactingSpanProcessor } from "./redact.js";
import { ServerStatusSpanProcessor } from "./server-status.js";
import { buildResource } from "./resource.js";
import { buildSampler } from "./sampler.js";
import { tracingState } from "./state.js";

/** A handle for when tracing is off: everything is a no-op. */
export function disabledHandle(): TracingHandle {
  return {
    enabled: false,
    tracerProvider: trace.getTracerProvider(),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    droppedSpans: () => 0,
  };
}

function hasForeignProvider(): boolean {
  const delegate = (
    trace.getTracerProvider() as { getDelegate?: () => TracerProvider }
  ).getDelegate?.();
  return delegate !== undefined && delegate.constructor.name !== "NoopTracerProvider";
}

/** Builds and registers the provider. Throws only on invalid configuration. */
export function startProvider(config: ResolvedConfig): TracingHandle {
  if (hasForeignProvider()) {
    warnOnce(
      "tracing:foreign",
      "another OpenTelemetry tracer provider is already registered; using it and exporting nothing ourselves",
    );
    return disabledHandle();
  }
  const { base, core, contextAsyncHooks } = loadSdk();
  const { exporter, status } = createExporter(config);
  const drops = createDropCounter(status);
  const processors: SpanProcessor[] = [
    new RedactingSpanProcessor(config.redactQueryParams),
    new ServerStatusSpanProcessor(),
    ...config.spanProcessors,
  ];
  if (exporter !== undefined) {
    processors.push(
      new base.BatchSpanProcessor(exporter, {
        ...config.batch,
        selfObsMeterProvider: drops.meterProvider,
      } as never),
    );
  }
  const provider: BasicTracerProvider = new base.BasicTracerProvider({
    resource: buildResource(config),
    sampler: buildSampler(config),
    spanProcessors: processors,
  });

  context.setGlobalContextManager(new contextAsyncHooks.AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  connectInstrumentations(provider);

  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopped ??= (async () => {
      removeHook();
      process.removeListener("beforeExit", onBeforeExit);
      // Within a graceful shutdown, also within what is left of its one budget.
      const bound = Math.min(config.shutdownTimeoutMs, remainingShutdownBudget() ?? Infinity);
      await boundedFlush(provider.shutdown(), bound, "shutdown", status);
      const state = tracingState();
      if (state.running?.handle === handle) state.running = undefined;
      // Frees the global slot so tracing can start again (a test, a hot reload).
      if (
        (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.() === provider
      )
        trace.disable();
    })();
    return stopped;
  };
  const onBeforeExit = (): void => void shutdown();
  process.once("beforeExit", onBeforeExit);
  const removeHook = onShutdown("tracing", shutdown);

  const handle: TracingHandle = {
    enabled: true,
    tracerProvider: provider,
    forceFlush: () =>
      stopped
        ? stopped
        : boundedFlush(provider.forceFlush(), config.shutdownTimeoutMs, "flush", status),
    shutdown,
    droppedSpans: drops.count,
  };
  return handle;
}
