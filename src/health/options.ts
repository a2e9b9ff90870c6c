/**
 * Options of the health routes, validated and compiled once, shared by the Fastify plugin and
 * the `node:http`/Express handler. The adapters only match a path and write the answer.
 */
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { booleanOption, invalid, objectOption, pathOption } from "../kernel/validate.js";
import { CheckRunner, runChecks, validateTimeout } from "./checks.js";
import type { ReadinessCheck, ReadinessCheckDefinition, ReadinessReport } from "./checks.js";
import { readinessOption, type ReadinessState } from "./readiness-state.js";

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

/** The keys of {@link HealthOptions}. */
const HEALTH_OPTION_KEYS = keysOf<HealthOptions>({
  livePath: true,
  readyPath: true,
  checks: true,
  checkTimeoutMs: true,
  exposeErrors: true,
  readiness: true,
});

function compileChecks(
  options: HealthOptions,
  defaultTimeout: number,
  exposeErrors: boolean,
): CheckRunner[] {
  const checks = objectOption("checks", options.checks) ?? {};
  return Object.entries(checks).map(([name, entry]) => {
    const option = `checks.${name || '""'}`;
    const definition = (typeof entry === "function" ? { check: entry } : entry) as
      Partial<ReadinessCheckDefinition> | null | undefined;
    if (name === "" || typeof definition !== "object" || typeof definition?.check !== "function") {
      throw invalid(option, "a function or { check, timeoutMs }", entry);
    }
    optionsOf(option, definition, ["check", "timeoutMs"]);
    const timeout =
      definition.timeoutMs === undefined
        ? defaultTimeout
        : validateTimeout(`${option}.timeoutMs`, definition.timeoutMs);
    return new CheckRunner(name, definition.check, timeout, exposeErrors);
  });
}

/**
 * Validates the options of `where` (throwing TypeError/RangeError; `extraKeys` are other keys
 * the caller accepts) and builds the routes' logic.
 */
export function compileHealth(
  input?: HealthOptions,
  where = "healthHandler",
  extraKeys: readonly string[] = [],
): Health {
  const options = optionsOf(where, input, [...HEALTH_OPTION_KEYS, ...extraKeys]) as HealthOptions;
  const livePath = pathOption("livePath", options.livePath ?? DEFAULT_LIVE_PATH);
  const readyPath = pathOption("readyPath", options.readyPath ?? DEFAULT_READY_PATH);
  if (livePath === readyPath) {
    throw invalid("readyPath", `a path other than livePath (${livePath})`, readyPath);
  }
  const defaultTimeout = validateTimeout(
    "checkTimeoutMs",
    options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
  );
  const runners = compileChecks(
    options,
    defaultTimeout,
    booleanOption("exposeErrors", options.exposeErrors, false),
  );
  const explicit = readinessOption("readiness", options.readiness);

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
