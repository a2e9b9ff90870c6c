/**
 * The one component logger of the package. Setup errors throw; runtime problems (a user hook
 * that throws, an exporter that fails) come here and never reach the user's request.
 *
 * Each distinct message key is printed at most once per {@link RATE_LIMIT_MS}, so a hook that
 * throws on every request logs once, not once per request.
 */

/** Prefix of every message and error the package produces. */
export const PACKAGE_NAME = "@crisislen/observability";

/** Where log lines go. Matches `console` and pino/fastify loggers. */
export interface ObservabilityLogger {
  warn(message: string): void;
  error(message: string): void;
}

const RATE_LIMIT_MS = 60_000;

let sink: ObservabilityLogger = {
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};
const lastLoggedAt = new Map<string, number>();

/** Replaces where the package's warnings go (tests, or a user's own logger). Returns the previous sink. */
export function setLogger(logger: ObservabilityLogger): ObservabilityLogger {
  const previous = sink;
  sink = logger;
  return previous;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function emit(level: "warn" | "error", key: string, message: string, error?: unknown): boolean {
  const now = Date.now();
  const last = lastLoggedAt.get(key);
  if (last !== undefined && now - last < RATE_LIMIT_MS) return false;
  if (lastLoggedAt.size > 1000) lastLoggedAt.clear();
  lastLoggedAt.set(key, now);
  const text = `${PACKAGE_NAME}: ${message}${error === undefined ? "" : ` (${describe(error)})`}`;
  try {
    sink[level](text);
  } catch {
    // A broken logger must not break the request either.
  }
  return true;
}

/** Logs a warning at most once a minute per `key`. Returns whether it was printed. */
export function warnOnce(key: string, message: string, error?: unknown): boolean {
  return emit("warn", key, message, error);
}

/** Logs an error at most once a minute per `key`. Returns whether it was printed. */
export function errorOnce(key: string, message: string, error?: unknown): boolean {
  return emit("error", key, message, error);
}

/** Forgets which messages were printed (tests). */
export function resetLogRateLimit(): void {
  lastLoggedAt.clear();
}
