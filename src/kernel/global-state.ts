/**
 * Process-wide state shared by every loaded copy of the package: the ESM and CJS builds, and two
 * installed versions. It lives on `globalThis` under a `Symbol.for` key, so each copy finds the
 * same object instead of creating its own registry or tracer provider.
 */

import { PACKAGE_NAME } from "./logger.js";

/**
 * The `Symbol.for` key `<package>:<name>`: the same symbol in every loaded copy of the package,
 * for marks that copies must see on each other's objects.
 */
export function sharedSymbol(name: string): symbol {
  return Symbol.for(`${PACKAGE_NAME}:${name}`);
}

const STATE_KEY = sharedSymbol("state/v1");

/** Slots are added by the modules that own them; each module casts its own slot. */
export type SharedState = Record<string, unknown>;

/** Returns the process-wide shared state object, creating it on first use. */
export function sharedState(): SharedState {
  const holder = globalThis as unknown as Record<symbol, SharedState | undefined>;
  let state = holder[STATE_KEY];
  if (state === undefined) {
    state = {};
    Object.defineProperty(globalThis, STATE_KEY, { value: state, enumerable: false });
  }
  return state;
}

/** Returns the value in `slot`, creating it with `create` when absent. */
export function sharedSlot<T>(slot: string, create: () => T): T {
  const state = sharedState();
  if (!(slot in state)) state[slot] = create();
  return state[slot] as T;
}
