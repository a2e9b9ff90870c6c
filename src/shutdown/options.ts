/**
 * Options of the graceful shutdown, with their environment variables and defaults merged in one
 * place: option, then environment variable, then constant.
 */
import { readinessOption, type ReadinessState } from "../health/readiness-state.js";
import { orFallback, readEnvInteger, warnInvalidEnv, type EnvReading } from "../kernel/env.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { MAX_TIMER_MS, functionOption, invalid, millisecondsOption } from "../kernel/validate.js";

/** Options of `enableGracefulShutdown`. */
export interface GracefulShutdownOptions {
  /**
   * How long to keep serving, with readiness already 503, before closing the listener: the time
   * the endpoints controller and the load balancers need to stop sending new requests. Match it
   * to the Deployment's `preStop` sleep (the two add up when the hook runs first, so keep the sum
   * below `terminationGracePeriodSeconds`). Must be less than `timeoutMs`. Env
   * `SHUTDOWN_DRAIN_DELAY_MS`.
   * @default 5000, or a quarter of `timeoutMs` when that is shorter
   */
  drainDelayMs?: number;
  /**
   * Bound on the whole shutdown, from the signal to the exit: drain delay, in-flight requests and
   * shutdown hooks (the trace flush). Past it the process exits with code 1 naming what was still
   * pending. Keep it below `terminationGracePeriodSeconds` (minus any `preStop` sleep), or the
   * kubelet's SIGKILL comes first. Env `SHUTDOWN_TIMEOUT_MS`.
   * @default 20000, or `drainDelayMs` + 15000 when that is longer
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

const OPTION_KEYS = keysOf<GracefulShutdownOptions>({
  drainDelayMs: true,
  timeoutMs: true,
  signals: true,
  readiness: true,
  exit: true,
});

/**
 * The drain delay and the bound, each from its option, else its variable, else its default. A
 * default is derived from the other value when that one was set, so the pair stays valid: a
 * variable with a typo, or a drain delay from the environment that is not below the bound, is
 * logged and replaced, never a start-up error; a `drainDelayMs` option that is not below the
 * bound throws.
 */
function resolveTimings(options: GracefulShutdownOptions): {
  drainDelayMs: number;
  timeoutMs: number;
} {
  const drainReading =
    options.drainDelayMs === undefined
      ? readEnvInteger("SHUTDOWN_DRAIN_DELAY_MS", 0, MAX_TIMER_MS)
      : undefined;
  const timeoutReading =
    options.timeoutMs === undefined
      ? readEnvInteger("SHUTDOWN_TIMEOUT_MS", 1, MAX_TIMER_MS)
      : undefined;
  const drainGiven =
    options.drainDelayMs === undefined
      ? drainReading?.value
      : millisecondsOption("drainDelayMs", options.drainDelayMs, 0);
  const timeoutGiven =
    options.timeoutMs === undefined
      ? timeoutReading?.value
      : millisecondsOption("timeoutMs", options.timeoutMs, 1);
  const timeoutMs =
    timeoutGiven ??
    orFallback(
      "SHUTDOWN_TIMEOUT_MS",
      timeoutReading as EnvReading<number>,
      Math.min(MAX_TIMER_MS, Math.max(DEFAULT_TIMEOUT_MS, (drainGiven ?? 0) + 15_000)),
    );
  const derivedDrain = Math.min(DEFAULT_DRAIN_DELAY_MS, Math.floor(timeoutMs / 4));
  let drainDelayMs =
    drainGiven ??
    orFallback("SHUTDOWN_DRAIN_DELAY_MS", drainReading as EnvReading<number>, derivedDrain);
  if (drainDelayMs >= timeoutMs) {
    const allowed = `less than timeoutMs (${timeoutMs}), or nothing is left to finish the requests`;
    if (options.drainDelayMs !== undefined)
      throw invalid("drainDelayMs", allowed, drainDelayMs, RangeError);
    // Both came from the environment: degrade, as for any invalid variable.
    warnInvalidEnv("SHUTDOWN_DRAIN_DELAY_MS", String(drainDelayMs), allowed, derivedDrain);
    drainDelayMs = derivedDrain;
  }
  return { drainDelayMs, timeoutMs };
}

/** Validates the options (TypeError/RangeError naming the option) and merges env and defaults. */
export function resolveShutdownOptions(
  input: GracefulShutdownOptions | undefined,
): ResolvedShutdownOptions {
  const options = optionsOf(
    "enableGracefulShutdown",
    input,
    OPTION_KEYS,
  ) as GracefulShutdownOptions;
  const { drainDelayMs, timeoutMs } = resolveTimings(options);
  const signals = options.signals ?? ["SIGTERM"];
  if (
    !Array.isArray(signals) ||
    !signals.every((signal) => typeof signal === "string" && /^SIG[A-Z0-9]+$/.test(signal))
  ) {
    throw invalid("signals", 'an array of signal names like "SIGTERM"', signals);
  }
  const readiness = readinessOption("readiness", options.readiness);
  const exit =
    functionOption<(code: number) => void>("exit", options.exit) ??
    ((code: number) => process.exit(code));
  return { drainDelayMs, timeoutMs, signals, readiness, exit };
}
