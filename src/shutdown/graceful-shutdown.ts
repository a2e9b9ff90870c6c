/**
 * Graceful shutdown in the order a Kubernetes rollout needs: stop being ready, keep serving
 * while the load balancers notice, stop accepting connections, finish what is in flight, run the
 * shutdown hooks (the trace flush), exit 0 — all within one bound. A second signal or an overrun
 * exits 1 with a message naming what was still pending.
 */
import { Server as NetServer } from "node:net";
import type { Server } from "node:http";
import { isFastify, type FastifyLike } from "../kernel/frameworks.js";
import { errorOnce } from "../kernel/logger.js";
import { invalid } from "../kernel/validate.js";
import { runShutdownHooks } from "../kernel/shutdown-hooks.js";
import { startShutdownBudget } from "../kernel/shutdown-budget.js";
import { readinessOf } from "../health/readiness-state.js";
import type { ReadinessState } from "../health/readiness-state.js";
import { InFlightRequests } from "./open-requests.js";
import { resolveShutdownOptions } from "./options.js";
import type { GracefulShutdownOptions } from "./options.js";
import { sharedSymbol } from "../kernel/global-state.js";

/** What `enableGracefulShutdown` accepts: a `node:http`/`https` server (Express: the value of `app.listen()`) or a Fastify app. */
export type ShutdownTarget = Server | FastifyLike;

export type { FastifyLike };

/** Controls the graceful shutdown of one server. */
export interface GracefulShutdown {
  /**
   * Starts the shutdown, as the signal would. Resolves after `exit` was called (with the real
   * `process.exit`, the process ends first). Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
  /** Removes the signal listeners and request tracking; a shutdown already running goes on. */
  dispose(): void;
  /** The state the readiness route of this server reads. */
  readonly readiness: ReadinessState;
  /** The drain delay in use, after options and environment. */
  readonly drainDelayMs: number;
  /** The bound in use, after options and environment. */
  readonly timeoutMs: number;
}

type Phase = "running" | "draining" | "closing" | "hooks" | "done";

const REGISTERED = sharedSymbol("graceful-shutdown");
let instances = 0;

/** Resolves after the event loop's next poll phase (I/O) has run. */
const nextLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Makes `target` shut down gracefully on SIGTERM (and on {@link GracefulShutdown.shutdown}).
 * Calling it again for the same server returns the first controller; its options stay.
 *
 * @example
 * const server = app.listen(3000);          // Express
 * enableGracefulShutdown(server);
 * @example
 * await app.listen({ port: 3000 });        // Fastify: app.close() runs, onClose hooks included
 * enableGracefulShutdown(app, { drainDelayMs: 10_000 });
 */
export function enableGracefulShutdown(
  target: ShutdownTarget,
  options?: GracefulShutdownOptions,
): GracefulShutdown {
  const fastify = isFastify(target) ? target : undefined;
  const server = fastify?.server ?? target;
  if (!(server instanceof NetServer)) {
    throw invalid(
      "the target of enableGracefulShutdown",
      "a node:http server (for Express, the server app.listen() returns) or a Fastify instance",
      target,
    );
  }
  const holder = server as Server & { [REGISTERED]?: GracefulShutdown };
  const existing = holder[REGISTERED];
  if (existing !== undefined) return existing;

  const settings = resolveShutdownOptions(options);
  const { drainDelayMs, timeoutMs, exit } = settings;
  const readiness = readinessOf(server);
  const inFlight = new InFlightRequests(server);
  const id = ++instances;
  let phase: Phase = "running";
  let running: Promise<void> | undefined;
  let exited = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let deadline: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;

  const pending = (): string => {
    const parts: string[] = [];
    if (phase === "draining") parts.push(`the ${drainDelayMs} ms drain delay`);
    const requests = inFlight.describe();
    if (requests !== undefined) parts.push(requests);
    if (phase === "closing" && requests === undefined)
      parts.push("open connections of the closing server");
    if (phase === "hooks") parts.push("shutdown hooks (e.g. the trace flush)");
    return parts.join(", ") || "nothing";
  };

  const finish = (code: number): void => {
    if (exited) return;
    exited = true;
    phase = "done";
    clearTimeout(deadline);
    clearTimeout(drainTimer);
    endBudget();
    dispose();
    try {
      exit(code);
    } finally {
      resolveDone();
    }
  };

  const fail = (key: string, message: string): void => {
    if (exited) return;
    errorOnce(
      `shutdown:${id}:${key}`,
      `${message}; exiting with code 1, still pending: ${pending()}`,
    );
    finish(1);
  };

  const closeServer = (): Promise<void> => {
    if (fastify !== undefined) {
      return Promise.resolve(fastify.close()).then(
        () => undefined,
        (error: unknown) =>
          void errorOnce(`shutdown:${id}:close`, "closing the Fastify app failed", error),
      );
    }
    // ERR_SERVER_NOT_RUNNING (never listened) counts as closed.
    return new Promise((resolve) => server.close(() => resolve()));
  };

  let endBudget = (): void => undefined;
  const run = async (): Promise<void> => {
    const startedAt = Date.now();
    // One budget: the trace flush, also when Fastify's onClose runs it, waits only for what is left.
    endBudget = startShutdownBudget(startedAt + timeoutMs);
    readiness.beginShutdown();
    settings.readiness?.beginShutdown();
    deadline = setTimeout(
      () => fail("overrun", `graceful shutdown did not finish within ${timeoutMs} ms`),
      timeoutMs,
    );

    phase = "draining";
    inFlight.beginDraining();
    await new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainDelayMs)));
    if (exited) return;

    phase = "closing";
    // A request the kernel already delivered must count as in flight, not reset with the idle
    // connections: one loop turn accepts the connections queued at the listener, a second reads
    // what they sent (a connection whose request is being parsed is not idle).
    await nextLoopTurn();
    await nextLoopTurn();
    if (exited) return;
    const closed = closeServer();
    inFlight.beginClosing();
    await inFlight.idle();
    await closed;
    if (exited) return;

    phase = "hooks";
    const remaining = Math.max(1, timeoutMs - (Date.now() - startedAt));
    const flushed = await runShutdownHooks(remaining);
    if (!flushed)
      return fail("hooks", `shutdown hooks did not finish within the ${timeoutMs} ms bound`);
    finish(0);
  };

  const shutdown = (): Promise<void> => {
    running ??= run().catch((error: unknown) => {
      errorOnce(`shutdown:${id}:error`, "graceful shutdown failed", error);
      fail("error", "graceful shutdown failed");
    });
    return done;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running === undefined) {
      void shutdown();
      return;
    }
    fail("second-signal", `received ${signal} again during graceful shutdown`);
  };

  const dispose = (): void => {
    for (const signal of settings.signals) process.off(signal, onSignal);
    inFlight.dispose();
    if (holder[REGISTERED] === controller) delete holder[REGISTERED];
  };

  for (const signal of settings.signals) process.on(signal, onSignal);

  const controller: GracefulShutdown = {
    shutdown,
    dispose,
    readiness,
    drainDelayMs,
    timeoutMs,
  };
  Object.defineProperty(holder, REGISTERED, {
    value: controller,
    enumerable: false,
    configurable: true,
  });
  return controller;
}
