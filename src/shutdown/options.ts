/**
 * Options of the graceful shutdown, with their environment variables and defaults merged in one
 * place: option, then environment variable, then constant.
 */
import { PACKAGE_NAME } from "../kernel/logger.js";
import type { ReadinessState } from "../health/readiness-state.js";
import { envInteger } from "../kernel/env.js";

/** Options of `enableGracefulShutdown`. */
export interface GracefulShutdownOptions {
  /**
   * How long to keep serving, with readiness already 503, before closing the listener: the time
   * the endpoints controller and the load balancers need to stop sending new requests. Match it
   * to the Deployment's `preStop` sleep (the two add up when the hook runs first, so keep the sum
   * below `terminationGracePeriodSeconds`). Env `SHUTDOWN_DRAIN_DELAY_MS`.
   * @default 5000
   */
  drainDelayMs?: number;
  /**
   * Bound on the whole shutdown, from the signal to the exit: drain delay, in-flight requests and
   * shutdown hooks (the trace flush). Past it the process exits with code 1 naming what was still
   * pending. Keep it below `terminationGracePeriodSeconds` (minus any `preStop` sleep), or the
   * kubelet's SIGKILL comes first. Env `SHUTDOWN_TIMEOUT_MS`.
   * @default 20000
   */
  timeoutMs?: number;
  /**
   * Signals that start the shutdown; a second one while it runs exits at once with code 1.
   * Add `"SIGINT"` to drain on Ctrl-C as well. `[]` for the programmatic `shutdown()` only.
   * @default ["SIGTERM"]
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * An extra state to mark as shutting down, for health routes served by another server. The
   * state of the server being shut down is always marked.
   * @default none
   */
  readiness?: ReadinessState;
  /**
   * Ends the process with the exit code (0 after a clean shutdown, 1 on overrun or a second
   * signal). Replace it in tests.
   * @default process.exit
   */
  exit?: (code: number) => void;
}

/** The options after defaults and environment were applied. */
export interface ResolvedShutdownOptions {
  drainDelayMs: number;
  timeoutMs: number;
  signals: readonly NodeJS.Signals[];
  readiness: ReadinessState | undefined;
  exit: (code: number) => void;
}

const DEFAULT_DRAIN_DELAY_MS = 5000;
const DEFAULT_TIMEOUT_MS = 20_000;
const MAX_MS = 2_147_483_647;

function milliseconds(option: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_MS) {
    throw new RangeError(
      `${PACKAGE_NAME}: ${option} must be a whole number of milliseconds from ${min} to ${MAX_MS}, got ${String(value)}`,
    );
  }
  return value;
}

/** Validates the options (TypeError/RangeError naming the option) and merges env and defaults. */
export function resolveShutdownOptions(options: GracefulShutdownOptions): ResolvedShutdownOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${PACKAGE_NAME}: graceful shutdown options must be an object, got ${String(options)}`,
    );
  }
  const drainDelayMs =
    options.drainDelayMs === undefined
      ? envInteger("SHUTDOWN_DRAIN_DELAY_MS", DEFAULT_DRAIN_DELAY_MS, 0, MAX_MS)
      : milliseconds("drainDelayMs", options.drainDelayMs, 0);
  const timeoutMs =
    options.timeoutMs === undefined
      ? envInteger("SHUTDOWN_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1, MAX_MS)
      : milliseconds("timeoutMs", options.timeoutMs, 1);
  if (drainDelayMs >= timeoutMs) {
    throw new RangeError(
      `${PACKAGE_NAME}: drainDelayMs (${drainDelayMs}) must be less than timeoutMs (${timeoutMs}), or nothing is left to finish the requests`,
    );
  }
  const signals = options.signals ?? ["SIGTERM"];
  if (
    !Array.isArray(signals) ||
    !signals.every((signal) => typeof signal === "string" && /^SIG[A-Z0-9]+$/.test(signal))
  ) {
    throw new TypeError(
      `${PACKAGE_NAME}: signals must be an array of signal names like "SIGTERM", got ${JSON.stringify(signals)}`,
    );
  }
  const readiness = options.readiness;
  if (readiness !== undefined && typeof readiness?.beginShutdown !== "function") {
    throw new TypeError(
      `${PACKAGE_NAME}: readiness must be a state from createReadinessState(), got ${String(readiness)}`,
    );
  }
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (typeof exit !== "function") {
    throw new TypeError(`${PACKAGE_NAME}: exit must be a function, got ${String(exit)}`);
  }
  return { drainDelayMs, timeoutMs, signals, readiness, exit };
}
