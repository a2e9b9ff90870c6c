/**
 * The OpenTelemetry instrumentations: http/https (server spans and outbound client spans),
 * express (route names), undici (fetch client spans). Constructing one installs its require hook,
 * so they are created once per process — by the preload, or by the first `instrumentApp`.
 */
import type { IncomingMessage } from "node:http";
import type { Span, TracerProvider } from "@opentelemetry/api";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { isUntracked, setServerSpan } from "../kernel/request-state.js";
import { packageRequire } from "./load.js";
import { tracingState } from "./state.js";
import type * as InstrHttp from "@opentelemetry/instrumentation-http";
import type * as InstrExpress from "@opentelemetry/instrumentation-express";
import type * as InstrUndici from "@opentelemetry/instrumentation-undici";
import type * as NodeModule from "node:module";

/** Layer types whose spans are left out unless `frameworkSpans` is on (the route name is still set). */
const EXPRESS_LAYERS = ["middleware", "router", "request_handler"];

function isIncoming(request: unknown): request is IncomingMessage {
  return typeof (request as { setHeader?: unknown }).setHeader !== "function";
}

/** Creates the instrumentations if this process has none yet. Returns whether they were created now. */
export function ensureInstrumentations(): boolean {
  const state = tracingState();
  if (state.instrumentations.has("http")) return false;
  const req = packageRequire();
  const { HttpInstrumentation } = req("@opentelemetry/instrumentation-http") as typeof InstrHttp;
  const { ExpressInstrumentation } = req(
    "@opentelemetry/instrumentation-express",
  ) as typeof InstrExpress;
  const { UndiciInstrumentation } = req(
    "@opentelemetry/instrumentation-undici",
  ) as typeof InstrUndici;
  const settings = state.settings;
  state.instrumentations.set(
    "http",
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) =>
        isUntracked(request) || settings.isIgnoredPath(request.url),
      requestHook: (span: Span, request: unknown) => {
        if (isIncoming(request)) setServerSpan(request as IncomingMessage, span);
      },
    }),
  );
  state.instrumentations.set(
    "express",
    new ExpressInstrumentation({
      ignoreLayersType: settings.frameworkSpans ? [] : (EXPRESS_LAYERS as never[]),
    }),
  );
  state.instrumentations.set("undici", new UndiciInstrumentation());
  return true;
}

/** Applies a changed `frameworkSpans` setting to the express instrumentation. */
export function applyFrameworkSpans(enabled: boolean): void {
  const state = tracingState();
  state.settings.frameworkSpans = enabled;
  const express = state.instrumentations.get("express") as Instrumentation | undefined;
  express?.setConfig({
    ...express.getConfig(),
    ignoreLayersType: enabled ? [] : EXPRESS_LAYERS,
  } as never);
}

/** Points every instrumentation at `provider` (after a restart, their old tracers would be dead). */
export function connectInstrumentations(provider: TracerProvider): void {
  for (const instrumentation of tracingState().instrumentations.values()) {
    (instrumentation as Instrumentation).setTracerProvider(provider);
  }
}

/**
 * The late path (no preload): the framework and `http` may already be loaded, so their require
 * hook never fired. Requiring them again from the application's root makes require-in-the-middle
 * patch the cached module objects in place (express is CommonJS, so ESM importers see the patch).
 */
export function rehookLoadedModules(): void {
  const { createRequire } = packageRequire()("node:module") as typeof NodeModule;
  // From the working directory and from the entry script: an app started from another folder
  // (`node /srv/app/server.js`) resolves its express from the script's location.
  const bases = [`${process.cwd()}/noop.js`];
  if (process.argv[1] !== undefined) bases.push(process.argv[1]);
  for (const base of bases) {
    const fromApp = createRequire(base);
    for (const name of ["http", "https", "express"]) {
      try {
        fromApp(name);
      } catch {
        // not installed where this base resolves: nothing to patch from here
      }
    }
  }
}
