/**
 * Synchronous, lazy access to the OpenTelemetry SDK packages. Nothing here runs at import time:
 * the root entry of the package must not load the SDK, and the `--require` preload has to install
 * its hooks synchronously, before the application's main module runs — so a dynamic `import()`
 * (always asynchronous) will not do. Every SDK package of the 2.x line ships CommonJS.
 */
import { createRequire } from "node:module";
import type * as SdkTraceBase from "@opentelemetry/sdk-trace-base";
import type * as OtelCore from "@opentelemetry/core";
import type * as OtelResources from "@opentelemetry/resources";
import type * as ContextAsyncHooks from "@opentelemetry/context-async-hooks";

type Sdk = {
  base: typeof SdkTraceBase;
  core: typeof OtelCore;
  resources: typeof OtelResources;
  contextAsyncHooks: typeof ContextAsyncHooks;
};

let requireHere: NodeJS.Require | undefined;

/** `require` anchored at this package, in the ESM build, the CJS build and under vitest alike. */
export function packageRequire(): NodeJS.Require {
  // In the CJS build `import.meta` is empty, in the ESM build `__filename` is undefined.
  requireHere ??= createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  return requireHere;
}

let sdk: Sdk | undefined;

/** Loads (once) the SDK packages the provider setup needs. */
export function loadSdk(): Sdk {
  if (sdk !== undefined) return sdk;
  const req = packageRequire();
  sdk = {
    base: req("@opentelemetry/sdk-trace-base") as Sdk["base"],
    core: req("@opentelemetry/core") as Sdk["core"],
    resources: req("@opentelemetry/resources") as Sdk["resources"],
    contextAsyncHooks: req("@opentelemetry/context-async-hooks") as Sdk["contextAsyncHooks"],
  };
  return sdk;
}
