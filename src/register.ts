/**
 * The preload: `node --import @crisislen/observability/register app.js` (ESM or CJS apps) or
 * `node --require @crisislen/observability/register app.js` (CJS apps).
 *
 * It installs the instrumentations' hooks before the application loads anything, then starts
 * tracing from the `OTEL_*` environment variables. Under `--import` it also registers the
 * import-in-the-middle ESM loader hook, limited to the modules we instrument (`express`, `http`,
 * `https`), so no other ESM module is rewritten. Everything here is synchronous: `register()`
 * returns once the hook thread has taken the include-list, and the CommonJS build (which cannot
 * use top-level await) behaves the same. Worker threads are left alone.
 */
import { isMainThread } from "node:worker_threads";
import { errorOnce } from "./kernel/logger.js";
import { ensureTracing } from "./tracing/instrument-app.js";
import { packageRequire } from "./tracing/load.js";
import type * as IitmModule from "import-in-the-middle";
import type * as NodeModule from "node:module";
import type * as NodeUrl from "node:url";

/** The only modules import-in-the-middle may wrap. */
const ESM_HOOKED_MODULES = ["express", "http", "https"];

type Iitm = typeof IitmModule;

function registerEsmHook(parentUrl: string): void {
  const req = packageRequire();
  const nodeModule = req("node:module") as typeof NodeModule;
  if (typeof nodeModule.register !== "function") return; // Node < 20.6: CommonJS hooks only
  const { pathToFileURL } = req("node:url") as typeof NodeUrl;
  // import-in-the-middle comes with @opentelemetry/instrumentation; resolve it from there so the
  // loader hook and the instrumentations share one copy.
  const fromInstrumentation = nodeModule.createRequire(
    req.resolve("@opentelemetry/instrumentation"),
  );
  const iitm = fromInstrumentation("import-in-the-middle") as Iitm;
  const hookUrl = pathToFileURL(fromInstrumentation.resolve("import-in-the-middle/hook.mjs")).href;
  const { registerOptions } = iitm.createAddHookMessageChannel();
  const options = registerOptions as { data?: Record<string, unknown> };
  options.data = { ...options.data, include: [...ESM_HOOKED_MODULES] };
  nodeModule.register(hookUrl, parentUrl, registerOptions);
}

function preload(): void {
  if (!isMainThread) return;
  try {
    // `__filename` only exists in the CommonJS build, i.e. under `--require`: no ESM hook there.
    if (typeof __filename === "undefined") registerEsmHook(import.meta.url);
    ensureTracing({}, "preload");
  } catch (error) {
    errorOnce(
      "preload",
      "the register preload could not start tracing; the application runs untraced",
      error,
    );
  }
}

preload();
