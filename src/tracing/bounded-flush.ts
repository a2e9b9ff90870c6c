/**
 * Waits for a flush or shutdown of the tracer provider, but not longer than its bound, and not
 * at all once the collector is known to be down: a refused connection ends the wait at once
 * instead of sitting through the exporter's retry backoff, so a pod whose collector is gone
 * stops right after its drain. A hanging collector still costs at most the bound.
 */
import { warnOnce } from "../kernel/logger.js";
import type { CollectorStatus } from "./collector-status.js";

/** Resolves when `work` settles, after `ms`, or when the collector turns out to be down; never rejects. */
export async function boundedFlush(
  work: Promise<unknown>,
  ms: number,
  what: "flush" | "shutdown",
  status: CollectorStatus,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Not unref'ed: during a flush at exit, this timer is what keeps the process alive until the
  // spans are out or the bound is reached. The export sockets themselves are unref'ed.
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, ms, "timeout")));
  let cancel = (): void => undefined;
  const down = new Promise<"unreachable">(
    (resolve) => (cancel = status.onNextUnreachable(() => resolve("unreachable"))),
  );
  try {
    const result = await Promise.race([work.then(() => "done" as const), timeout, down]);
    if (result === "timeout")
      warnOnce(
        `tracing:${what}`,
        `tracing ${what} gave up after ${ms} ms (${status.describe()}); queued spans were dropped`,
      );
    else if (result === "unreachable")
      warnOnce(
        `tracing:${what}`,
        `tracing ${what}: ${status.describe()}; the collector is unreachable, so queued spans were dropped without waiting`,
      );
  } catch (error) {
    warnOnce(`tracing:${what}:error`, `tracing ${what} failed; queued spans were dropped`, error);
  } finally {
    clearTimeout(timer);
    cancel();
  }
}
