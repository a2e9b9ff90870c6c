/**
 * The exposition endpoint as a plain `(req, res)` handler: Express, `node:http`, the separate
 * metrics listener and the Fastify route all serve through it. It negotiates the format,
 * guards with an optional bearer token (compared in constant time), and is never counted in
 * the request metrics.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorOnce } from "../kernel/logger.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { markUntracked } from "../kernel/request-state.js";
import { millisecondsOption, stringOption } from "../kernel/validate.js";
import { HTTP_REQUESTS_TOTAL } from "../metrics/catalogue.js";
import { getMetrics } from "../metrics/crisislen-metrics.js";
import { defaultRegistry, registryOption } from "../metrics/registry.js";
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, renderRegistry } from "./serialize.js";
import { wantsOpenMetrics } from "./negotiate.js";
import { leaveInFlightNow } from "../http/in-flight-gauge.js";
import type { AnyRegistry } from "../metrics/registry.js";

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** Registry to expose. @default the process-wide default registry */
  registry?: AnyRegistry;
  /**
   * When set, requests must send `Authorization: Bearer <token>`; others get 401.
   * @default undefined (no guard)
   */
  token?: string;
  /**
   * Longest a scrape waits for the registry's collectors (a user's `collect()` may await I/O).
   * Past it the scrape answers 503 and the hang is logged once a minute, instead of every
   * scrape hanging until the scraper gives up.
   * @default 5000
   */
  collectTimeoutMs?: number;
}

/** Default of {@link MetricsHandlerOptions.collectTimeoutMs}. */
const DEFAULT_COLLECT_TIMEOUT_MS = 5000;

class CollectTimeout extends Error {}

/** Resolves like `work`, or rejects with a `CollectTimeout` after `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new CollectTimeout(`collectors did not finish within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Validates the `collectTimeoutMs` option once, at setup. */
function checkCollectTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_COLLECT_TIMEOUT_MS;
  return millisecondsOption("collectTimeoutMs", value, 1, 300_000);
}

/**
 * Registers the five metrics in `registry` when nothing has yet (a plain `node:http` server
 * that only serves the exposition), so the first scrape already shows them. Lazily, at the
 * scrape: an integration set up before it registers them with its own buckets and labels.
 */
function ensureCatalogue(registry: AnyRegistry): void {
  if (registry.getSingleMetric(HTTP_REQUESTS_TOTAL) !== undefined) return;
  try {
    getMetrics({ registry });
  } catch (error) {
    errorOnce("exposition:catalogue", "registering the five metrics failed", error);
  }
}

/** A rendered response, framework-neutral. */
export interface ExpositionResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Validates the `token` option once, at setup. */
export function checkTokenOption(token: unknown): string | undefined {
  return stringOption("token", token);
}

/** The keys of {@link MetricsHandlerOptions}. */
export const HANDLER_OPTION_KEYS = keysOf<MetricsHandlerOptions>({
  registry: true,
  token: true,
  collectTimeoutMs: true,
});

/** Renders the exposition for one scrape (the method and token already checked). */
export type ExpositionRenderer = (
  method: string | undefined,
  headers: IncomingMessage["headers"],
) => Promise<ExpositionResponse>;

/**
 * Builds the renderer behind every exposition endpoint. `collect`, when given, replaces the
 * registry as the source and answers Prometheus text (the cluster primary's aggregate).
 */
export function createExposition(
  options: MetricsHandlerOptions = {},
  collect?: () => Promise<string>,
): ExpositionRenderer {
  const token = checkTokenOption(options.token);
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  const registry = registryOption("registry", options.registry);
  const registryOf = () => registry ?? defaultRegistry();
  const collectTimeoutMs = checkCollectTimeout(options.collectTimeoutMs);

  return async function renderExposition(method, headers) {
    if (method !== "GET" && method !== "HEAD") {
      return {
        status: 405,
        headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
        body: "Method Not Allowed\n",
      };
    }
    if (expected !== undefined) {
      const given = headers.authorization ?? "";
      // Hashing first gives equal-length buffers, so the comparison time does not depend on
      // how much of the token matched nor on its length.
      if (!timingSafeEqual(digest(given), expected)) {
        return {
          status: 401,
          headers: {
            "www-authenticate": 'Bearer realm="metrics"',
            "content-type": "text/plain; charset=utf-8",
          },
          body: "Unauthorized\n",
        };
      }
    }
    if (collect === undefined) ensureCatalogue(registryOf());
    const openMetrics = collect === undefined && wantsOpenMetrics(headers.accept);
    try {
      const body = await within(
        collect === undefined ? renderRegistry(registryOf(), openMetrics) : collect(),
        collectTimeoutMs,
      );
      return {
        status: 200,
        headers: {
          "content-type": openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
          "cache-control": "no-store",
        },
        body,
      };
    } catch (error) {
      if (error instanceof CollectTimeout) {
        errorOnce(
          "exposition:timeout",
          `${error.message}; answering 503 (a collect() never settled?)`,
        );
        return {
          status: 503,
          headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "1" },
          body: "metrics collection timed out\n",
        };
      }
      errorOnce("exposition", "collecting metrics failed; answering 500", error);
      return {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: "metrics collection failed\n",
      };
    }
  };
}

/**
 * A `(req, res)` handler serving the exposition, for Express (`app.get("/metrics",
 * metricsHandler())`) and plain `node:http`. Answers 405 to methods other than GET and HEAD.
 */
export function metricsHandler(
  options?: MetricsHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const given = optionsOf("metricsHandler", options, HANDLER_OPTION_KEYS) as MetricsHandlerOptions;
  return serveExposition(createExposition(given));
}

/** The `(req, res)` handler around a renderer. */
export function serveExposition(
  render: ExpositionRenderer,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function serveMetrics(req, res) {
    markUntracked(req);
    leaveInFlightNow(req); // a scrape does not count itself in http_requests_in_flight
    render(req.method, req.headers).then(
      (response) => {
        res.writeHead(response.status, response.headers);
        res.end(req.method === "HEAD" ? undefined : response.body);
      },
      /* c8 ignore next 4 -- render never rejects; this guards the response anyway */
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  };
}
