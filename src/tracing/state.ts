/**
 * The process-wide tracing state, shared by every loaded copy of the package (see
 * ../kernel/global-state.ts): one provider, one set of instrumentations, whoever starts first.
 */
import { sharedSlot } from "../kernel/global-state.js";
import type { ResolvedConfig } from "./config.js";
import type { TracingHandle } from "./options.js";

/** Settings the instrumentation hooks read on every request; `instrumentApp` may update them. */
export interface LiveSettings {
  isIgnoredPath: (url: string | undefined) => boolean;
  frameworkSpans: boolean;
}

export interface RunningTracing {
  handle: TracingHandle;
  config: ResolvedConfig;
  startedBy: "preload" | "instrumentApp";
  /** Apps whose `onClose` releases tracing; tracing shuts down when the last one closes (never while the preload holds it). */
  holders: number;
}

export interface TracingState {
  running: RunningTracing | undefined;
  /** Instrumentations (created once: they install require/import hooks when constructed). */
  instrumentations: Map<string, unknown>;
  settings: LiveSettings;
  /** Whether the instrumentations were created by the preload, before the application loaded. */
  preloaded: boolean;
}

export const tracingState = (): TracingState =>
  sharedSlot<TracingState>("tracing/v1", () => ({
    running: undefined,
    instrumentations: new Map(),
    settings: { isIgnoredPath: () => false, frameworkSpans: false },
    preloaded: false,
  }));
