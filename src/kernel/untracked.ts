/**
 * A request marked untracked is left out of the HTTP metrics (and, by the tracing setup, of
 * server spans). Health routes and the exposition route mark their requests this way, so the
 * adapters need no list of paths to compare on every request.
 */
import type { IncomingMessage } from "node:http";

const UNTRACKED = Symbol.for("@crisislen/observability:untracked");

type Markable = IncomingMessage & { [UNTRACKED]?: true };

/** Marks `req` so the metrics middleware and plugin do not count it. */
export function markUntracked(req: IncomingMessage): void {
  (req as Markable)[UNTRACKED] = true;
}

/** Whether `req` was marked with {@link markUntracked}. */
export function isUntracked(req: IncomingMessage): boolean {
  return (req as Markable)[UNTRACKED] === true;
}
