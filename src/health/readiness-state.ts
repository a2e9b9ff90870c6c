/**
 * The one bit of state the health routes and the graceful shutdown share: "this server is
 * shutting down, stop sending it traffic". By default it is attached to the `node:http` server
 * itself, so every app in a process owns its own without any wiring: the shutdown of a server
 * marks that server, and the readiness route answering on that server sees the mark. An explicit
 * state object is only needed when the probes are served by a different server than the one
 * being shut down.
 */
import type { Server } from "node:net";
import { invalid } from "../kernel/validate.js";
import { sharedSymbol } from "../kernel/global-state.js";

/** Whether a server (or an app) has begun its graceful shutdown. */
export interface ReadinessState {
  /** `true` once {@link ReadinessState.beginShutdown} was called; never goes back to `false`. */
  readonly shuttingDown: boolean;
  /** Marks the state as shutting down: readiness answers 503 `shutting_down` from now on. Idempotent. */
  beginShutdown(): void;
}

// A shared symbol, so two loaded copies of the package (ESM and CJS builds) see the same mark.
const ATTACHED = sharedSymbol("readiness");

type WithState = Server & { [ATTACHED]?: ReadinessState };

/**
 * Creates a free-standing readiness state. Pass the same object as `readiness` to the health
 * routes and to `enableGracefulShutdown` when they live on different servers.
 */
export function createReadinessState(): ReadinessState {
  let shuttingDown = false;
  return {
    get shuttingDown() {
      return shuttingDown;
    },
    beginShutdown() {
      shuttingDown = true;
    },
  };
}

/** The state attached to `server`, created on first use. */
export function readinessOf(server: Server): ReadinessState {
  const holder = server as WithState;
  let state = holder[ATTACHED];
  if (state === undefined) {
    state = createReadinessState();
    Object.defineProperty(holder, ATTACHED, { value: state, enumerable: false });
  }
  return state;
}

/** The state attached to `server` if any, without creating one (the per-probe path). */
export function attachedReadiness(server: unknown): ReadinessState | undefined {
  if (server === null || typeof server !== "object") return undefined;
  return (server as WithState)[ATTACHED];
}

/** The `readiness` option: a state from {@link createReadinessState}, or absent. */
export function readinessOption(option: string, value: unknown): ReadinessState | undefined {
  if (value === undefined) return undefined;
  if (typeof (value as Partial<ReadinessState> | null)?.beginShutdown !== "function") {
    throw invalid(option, "a state from createReadinessState()", value);
  }
  return value as ReadinessState;
}
