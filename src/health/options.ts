/**
 * Options of the health routes, validated and compiled once, shared by the Fastify plugin and
 * the `node:http`/Express handler. The adapters only match a path and write the answer.
 */
import { PACKAGE_NAME } from "../kernel/logger.js";
import { CheckRunner, runChecks, validateTimeout } from "./checks.js";
import type { ReadinessCheck, ReadinessCheckDefinition, ReadinessReport } from "./checks.js";
import type { ReadinessState } from "./readiness-state.js";

/** Options of `healthPlugin` (Fastify) and `healthHandler` (Express, `node:http`). */
export interface HealthOptions {
  /**
   * Path of the liveness route; always answers 200 `{"status":"ok"}` while the process runs.
   * @default "/health/live"
   */
  livePath?: string;
  /**
   * Path of the readiness route: 200 when every check passes, 503 when one fails or the server
   * is shutting down.
   * @default "/health/ready"
   */
  readyPath?: string;
  /**
   * Readiness checks by name, run in parallel on every readiness probe. A check is a function
   * or `{ check, timeoutMs }` for its own timeout.
   * @default {} (ready whenever the process is not shutting down)
   * @example
   * { postgres: (signal) => pool.query({ text: "SELECT 1", signal }).then(() => true),
   *   redis: { check: () => redis.ping(), timeoutMs: 250 } }
   */
  checks?: Record<string, ReadinessCheck | ReadinessCheckDefinition>;
  /**
   * Timeout of each check that sets none of its own, in milliseconds.
   * @default 1000
   */
  checkTimeoutMs?: number;
  /**
   * Put the message of an error a check threw into the readiness body. Off by default, because
   * the body may be reachable from outside the cluster and errors often carry hosts and users;
   * the full error is always written to the log (once a minute per check).
   * @default false
   */
  exposeErrors?: boolean;
  /**
   * The state that turns readiness into 503 `shutting_down`. Only needed when the health routes
   * are served by a different server than the one passed to `enableGracefulShutdown`: by default
   * the readiness route follows the server that received the probe.
   * @default the state of the server that received the probe
   */
  readiness?: ReadinessState;
}

/** An answer of a health route. */
export interface HealthAnswer {
  statusCode: 200 | 503;
  body: string;
}

/** The compiled options. */
export interface Health {
  readonly livePath: string;
  readonly readyPath: string;
  readonly live: HealthAnswer;
  /** Computes the readiness answer; `server` is the state of the server that got the probe. */
  ready(server: ReadinessState | undefined): Promise<HealthAnswer>;
}

const DEFAULT_LIVE_PATH = "/health/live";
const DEFAULT_READY_PATH = "/health/ready";
const DEFAULT_CHECK_TIMEOUT_MS = 1000;

const LIVE: HealthAnswer = { statusCode: 200, body: '{"status":"ok"}' };
const SHUTTING_DOWN: HealthAnswer = {
  statusCode: 503,
  body: '{"status":"shutting_down","checks":{}}',
};

function validatePath(option: string, value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || /[?#\s]/.test(value)) {
    throw new TypeError(
      `${PACKAGE_NAME}: ${option} must be a path starting with "/" without query or spaces, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function compileChecks(
  options: HealthOptions,
  defaultTimeout: number,
  exposeErrors: boolean,
): CheckRunner[] {
  const checks = options.checks ?? {};
  if (checks === null || typeof checks !== "object") {
    throw new TypeError(
      `${PACKAGE_NAME}: checks must be an object of named checks, got ${String(checks)}`,
    );
  }
  return Object.entries(checks).map(([name, entry]) => {
    const definition: ReadinessCheckDefinition | undefined =
      typeof entry === "function" ? { check: entry } : entry;
    if (name === "" || definition === null || typeof definition?.check !== "function") {
      throw new TypeError(
        `${PACKAGE_NAME}: checks.${name || '""'} must be a function or { check, timeoutMs }, got ${String(entry)}`,
      );
    }
    const timeout =
      definition.timeoutMs === undefined
        ? defaultTimeout
        : validateTimeout(`checks.${name}.timeoutMs`, definition.timeoutMs);
    return new CheckRunner(name, definition.check, timeout, exposeErrors);
  });
}

/** Validates the options (throwing TypeError/RangeError) and builds the routes' logic. */
export function compileHealth(options: HealthOptions = {}): Health {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${PACKAGE_NAME}: health options must be an object, got ${String(options)}`,
    );
  }
  const livePath = validatePath("livePath", options.livePath ?? DEFAULT_LIVE_PATH);
  const readyPath = validatePath("readyPath", options.readyPath ?? DEFAULT_READY_PATH);
  if (livePath === readyPath) {
    throw new TypeError(
      `${PACKAGE_NAME}: livePath and readyPath must differ, both are "${livePath}"`,
    );
  }
  const defaultTimeout = validateTimeout(
    "checkTimeoutMs",
    options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
  );
  const runners = compileChecks(options, defaultTimeout, options.exposeErrors === true);
  const explicit = options.readiness;

  return {
    livePath,
    readyPath,
    live: LIVE,
    async ready(server) {
      if (explicit?.shuttingDown === true || server?.shuttingDown === true) return SHUTTING_DOWN;
      const report: ReadinessReport = await runChecks(runners);
      return { statusCode: report.status === "ok" ? 200 : 503, body: JSON.stringify(report) };
    },
  };
}
