/**
 * Cleanup work the graceful shutdown runs after the server has drained: the tracing setup
 * registers its flush here, so shutdown needs no import of the tracing code (and an Express
 * user without tracing never loads it). Shared by every loaded copy of the package.
 */
import { warnOnce } from "./logger.js";
import { sharedSlot } from "./global-state.js";

/** A named cleanup step; it should settle on its own within its own bound. */
export type ShutdownHook = () => Promise<void> | void;

const hooks = (): Map<string, ShutdownHook> =>
  sharedSlot("shutdownHooks", () => new Map<string, ShutdownHook>());

/** Registers (or replaces) the cleanup step called `name`. Returns a function that removes it. */
export function onShutdown(name: string, hook: ShutdownHook): () => void {
  hooks().set(name, hook);
  return () => {
    if (hooks().get(name) === hook) hooks().delete(name);
  };
}

/**
 * Runs every registered step in parallel and resolves when all settled or `timeoutMs` passed,
 * whichever comes first. Never rejects; a failing step is logged. Resolves to whether every
 * step finished in time.
 */
export async function runShutdownHooks(timeoutMs: number): Promise<boolean> {
  const steps = [...hooks().entries()].map(async ([name, hook]) => {
    try {
      await hook();
    } catch (error) {
      warnOnce(`shutdown:${name}`, `shutdown step "${name}" failed`, error);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const finished = await Promise.race([Promise.all(steps).then(() => true as const), timedOut]);
  clearTimeout(timer);
  return finished;
}
