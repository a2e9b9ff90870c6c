/**
 * Request metrics for a plain `node:http` server: wraps its request listener, labelling each
 * request with the route template it matches among those the user declares (node:http has no
 * router to ask). Same metrics, options and guarantees as the Fastify plugin and the Express
 * middleware: 499 for clients that went away, whole-response durations, bounded labels.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { warnOnce } from "../kernel/logger.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { invalid } from "../kernel/validate.js";
import { UNMATCHED_ENDPOINT } from "../metrics/catalogue.js";
import { registryOption, type AnyRegistry } from "../metrics/registry.js";
import type { HttpMetricsOptions, ResolvedHttpOptions } from "./options.js";
import { HTTP_OPTION_KEYS, resolveHttpOptions } from "./options.js";
import { compileRoutes } from "./route-matcher.js";
import { createHttpTracking } from "./setup.js";
import { trackResponse } from "./track-response.js";

/** Options of {@link metricsListener}: the shared request-metric options, and the routes. */
export interface NodeHttpMetricsOptions extends HttpMetricsOptions<
  IncomingMessage,
  ServerResponse
> {
  /**
   * The route templates of the server, which become the `endpoint` label: `:name` matches one
   * path segment, a final `*` the rest of the path; a static segment wins over a `:param`, which
   * wins over `*`; the query string and one trailing slash are ignored. A path matching none is
   * `__unmatched__`. Or a function returning the template of a request (`undefined` for
   * `__unmatched__`) — it must return a bounded set of values, never the raw URL.
   * @example routes: ["/claims", "/claims/:id", "/claims/:id/notes/:noteId", "/static/*"]
   */
  routes: readonly string[] | ((req: IncomingMessage) => string | undefined);
  /** Registry the metrics live in. @default the process-wide default registry */
  registry?: AnyRegistry;
  /**
   * Buckets of `http_request_duration_seconds` in seconds: finite, positive, increasing.
   * @default [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
   */
  durationBuckets?: readonly number[];
}

const LISTENER_OPTION_KEYS = [
  ...keysOf<Omit<NodeHttpMetricsOptions, keyof HttpMetricsOptions<never, never>>>({
    routes: true,
    registry: true,
    durationBuckets: true,
  }),
  ...HTTP_OPTION_KEYS,
];

/** A `node:http` request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps a `node:http` request listener so every request is recorded in `http_requests_total`
 * and `http_request_duration_seconds`, labelled with the route template it matches. Serve the
 * exposition from the same listener with {@link metricsHandler} (it is not counted).
 * @example
 * const exposition = metricsHandler();
 * createServer(
 *   metricsListener((req, res) => {
 *     if (req.url === "/metrics") return exposition(req, res);
 *     res.end("ok");
 *   }, { routes: ["/claims/:id"] }),
 * ).listen(3000);
 */
export function metricsListener(
  listener: RequestListener,
  options: NodeHttpMetricsOptions,
): RequestListener {
  if (typeof listener !== "function") {
    throw invalid("metricsListener listener", "a request listener function", listener);
  }
  const given = optionsOf(
    "metricsListener",
    options,
    LISTENER_OPTION_KEYS,
  ) as Partial<NodeHttpMetricsOptions>;
  const routeOf = routeResolver(given.routes);
  const resolved = resolveHttpOptions(given);
  const { recorder, begin, excludedMethods, isExcludedEndpoint } = createHttpTracking({
    registry: registryOption("registry", given.registry),
    durationBuckets: given.durationBuckets,
    options: resolved as ResolvedHttpOptions<never, never>,
    extraLabels: resolved.extraLabels,
    inFlightLabels: ["method", "endpoint"],
  });
  return function recordRequestMetrics(req, res) {
    try {
      if (excludedMethods?.has(req.method ?? "") !== true) {
        const endpoint = routeOf(req);
        const state =
          isExcludedEndpoint?.(endpoint) === true
            ? undefined
            : trackResponse(req, res, recorder, endpoint);
        if (state !== undefined) begin?.(req, res, endpoint, state);
      }
    } catch {
      // Metrics never break the request path.
    }
    listener(req, res);
  };
}

/** The `routes` option as one function giving every request a bounded endpoint label. */
function routeResolver(routes: unknown): (req: IncomingMessage) => string {
  if (typeof routes === "function") {
    const resolve = routes as (req: IncomingMessage) => unknown;
    return function userRoute(req) {
      try {
        const template = resolve(req);
        return typeof template === "string" && template !== "" ? template : UNMATCHED_ENDPOINT;
      } catch (error) {
        warnOnce(
          "node-http:routes",
          "the routes function threw; the request is __unmatched__",
          error,
        );
        return UNMATCHED_ENDPOINT;
      }
    };
  }
  if (!Array.isArray(routes)) {
    throw invalid("routes", "an array of route templates or a function", routes);
  }
  const match = compileRoutes(routes);
  return function templateRoute(req) {
    return match(req.url ?? "") ?? UNMATCHED_ENDPOINT;
  };
}
