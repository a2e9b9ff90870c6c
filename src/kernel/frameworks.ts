/**
 * How the package recognises a Fastify instance and an Express app without importing either:
 * one structural definition of each, shared by tracing, the graceful shutdown and the plugins.
 */
import type { Server } from "node:http";

/** The part of a Fastify (4 or 5) instance the package uses. */
export interface FastifyLike {
  /** The `node:http` server the instance listens with. */
  readonly server: Server;
  close(): PromiseLike<unknown>;
  addHook: unknown;
  register: unknown;
  decorate: unknown;
  printRoutes?: () => string;
  hasPlugin?: (name: string) => boolean;
}

/** Whether `app` is a Fastify instance (4 or 5): `addHook`, `register` and `decorate` are functions. */
export function isFastify(app: unknown): app is FastifyLike {
  const candidate = app as Partial<FastifyLike> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.addHook === "function" &&
    typeof candidate.register === "function" &&
    typeof candidate.decorate === "function"
  );
}

/** The part of an Express (4 or 5) app the package uses. */
export interface ExpressLike {
  (req: unknown, res: unknown, next?: unknown): void;
  use: unknown;
  handle: unknown;
  set: unknown;
}

/** Whether `app` is an Express app (4 or 5): a function with `use`, `handle` and `set`. */
export function isExpress(app: unknown): app is ExpressLike {
  if (typeof app !== "function") return false;
  const candidate = app as unknown as Partial<Record<"use" | "handle" | "set", unknown>>;
  return (
    typeof candidate.use === "function" &&
    typeof candidate.handle === "function" &&
    typeof candidate.set === "function"
  );
}

/**
 * Keys Fastify's `register(plugin, options)` reads itself and leaves in the options a plugin
 * receives; a plugin's unknown-option check lets them through.
 */
export const FASTIFY_REGISTER_OPTION_KEYS: readonly string[] = [
  "prefix",
  "logLevel",
  "logSerializers",
];
