/**
 * A request marked untracked is left out of the HTTP metrics (and, by the tracing setup, of
 * server spans). Health routes and the exposition route mark their requests this way, so the
 * adapters need no list of paths to compare on every request.
 *
 * The marks live in a WeakSet rather than in a property of the request: the check runs for every
 * request, and a property that is absent is looked up through the whole prototype chain — on
 * Express's requests, re-parented onto Express's prototypes on every request, that lookup misses
 * V8's caches each time (~2,000 instructions, measured with bench/instructions.mjs). Shared by
 * every loaded copy of the package.
 */
import type { IncomingMessage } from "node:http";
import { sharedSlot } from "./global-state.js";

let marked: WeakSet<IncomingMessage> | undefined;

const untracked = (): WeakSet<IncomingMessage> =>
  (marked ??= sharedSlot("untracked/v2", () => new WeakSet<IncomingMessage>()));

/** Marks `req` so the metrics middleware and plugin do not count it. */
export function markUntracked(req: IncomingMessage): void {
  untracked().add(req);
}

/** Whether `req` was marked with {@link markUntracked}. */
export function isUntracked(req: IncomingMessage): boolean {
  return untracked().has(req);
}
