/**
 * The one time budget of a graceful shutdown: from the signal, drain delay, in-flight requests,
 * the framework's close (Fastify's `onClose` hooks) and the trace flush all share one deadline,
 * `SHUTDOWN_TIMEOUT_MS` after the signal. The graceful shutdown sets it; every step that waits
 * on something outside the process (the trace collector) bounds its wait by what is left, so a
 * slow collector costs a warning, never an overrun and exit 1. Shared by every loaded copy.
 */
import { sharedSlot } from "./global-state.js";

/** Kept back from the budget so a step that gives up can log before the process must exit. */
const MARGIN_MS = 100;

const deadlines = (): Set<number> => sharedSlot("shutdownDeadlines", () => new Set<number>());

/** Starts a budget ending at `deadline` (a `Date.now()` time); returns a function that ends it. */
export function startShutdownBudget(deadline: number): () => void {
  deadlines().add(deadline);
  return () => void deadlines().delete(deadline);
}

/**
 * Milliseconds a step may still wait: the time to the earliest running deadline less a small
 * margin (never negative), or `undefined` when no graceful shutdown is running.
 */
export function remainingShutdownBudget(): number | undefined {
  const running = deadlines();
  if (running.size === 0) return undefined;
  return Math.max(0, Math.min(...running) - Date.now() - MARGIN_MS);
}
