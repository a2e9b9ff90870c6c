/**
 * The Express middleware: records the HTTP metrics for every request that passes through it.
 * Express 4 and 5. Add it before the routes: `app.use(metricsMiddleware())`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { expressRouteTemplate } from "../kernel/express-route.js";
import type { HttpMetricsOptions, ResolvedHttpOptions } from "../http/options.js";
import { HTTP_OPTION_KEYS, resolveHttpOptions } from "../http/options.js";
import type { HttpTracking } from "../http/setup.js";
import { createHttpTracking } from "../http/setup.js";
import type { EndpointResolver } from "../http/track-response.js";
import { trackResponse } from "../http/track-response.js";
import { warnOnce } from "../kernel/logger.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { functionOption } from "../kernel/validate.js";
import { UNMATCHED_ENDPOINT } from "../metrics/catalogue.js";
import { registryOption, type AnyRegistry } from "../metrics/registry.js";

/**
 * Options of {@link metricsMiddleware}. The request-metric options (extra labels, exclusions,
 * the opt-in metrics, default process metrics) are those of {@link HttpMetricsOptions}; extra
 * label functions receive Express's `req` and `res`. In Express the route is known only once
 * the response is done, so `excludeRoutes` applies then (an excluded route still shows in the
 * in-flight gauge while it runs) and `http_requests_in_flight` is labelled by `method` only.
 */
export interface ExpressMetricsOptions extends HttpMetricsOptions<IncomingMessage, ServerResponse> {
  /** Registry the metrics live in. @default the process-wide default registry */
  registry?: AnyRegistry;
  /**
   * Buckets of `http_request_duration_seconds` in seconds: finite, positive, increasing.
   * @default [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
   */
  durationBuckets?: readonly number[];
  /**
   * Leaves a request out of the metrics when it returns `true`. Called once the response is
   * done, so `req.route` is set. A skip function that throws counts the request and is logged
   * once a minute.
   * @default undefined (count every request)
   * @example skip: (req) => req.path.startsWith("/internal")
   */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** The Express middleware type, structural so Express types are not required. */
export type ExpressMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware recording `http_requests_total` and `http_request_duration_seconds`
 * labelled with the matched route template, mount prefixes included. Serve the exposition
 * with `app.get("/metrics", metricsHandler())`.
 */
export function metricsMiddleware(options?: ExpressMetricsOptions): ExpressMiddleware {
  const given = optionsOf(
    "metricsMiddleware",
    options,
    MIDDLEWARE_OPTION_KEYS,
  ) as ExpressMetricsOptions;
  const skip = functionOption<ExpressMetricsOptions["skip"]>("skip", given.skip);
  const resolved = resolveHttpOptions(given);
  const tracking = createHttpTracking({
    registry: registryOption("registry", given.registry),
    durationBuckets: given.durationBuckets,
    options: resolved as ResolvedHttpOptions<never, never>,
    extraLabels: resolved.extraLabels,
    inFlightLabels: ["method"],
  });
  // The app this middleware is mounted on, read from the first request: route templates are
  // looked up from its router tree, which also reaches sub-apps mounted on nested routers.
  const mount: MountedOn = {};
  const endpointOf = endpointResolver(skip, tracking.isExcludedEndpoint, mount);
  if (tracking.begin === undefined && tracking.excludedMethods === undefined) {
    return plainMiddleware(tracking, endpointOf, mount);
  }
  return middlewareWithOptions(tracking, endpointOf, mount);
}

const MIDDLEWARE_OPTION_KEYS = [
  ...keysOf<Omit<ExpressMetricsOptions, keyof HttpMetricsOptions<never, never>>>({
    registry: true,
    durationBuckets: true,
    skip: true,
  }),
  ...HTTP_OPTION_KEYS,
];

interface MountedOn {
  app?: unknown;
}

/** The route template once the response is done, or `undefined` when the request is left out. */
function endpointResolver(
  skip: ExpressMetricsOptions["skip"],
  isExcludedEndpoint: HttpTracking["isExcludedEndpoint"],
  mount: MountedOn,
): EndpointResolver {
  const route: EndpointResolver =
    isExcludedEndpoint === undefined
      ? function routeOf(req) {
          return expressRouteTemplate(req, mount.app) ?? UNMATCHED_ENDPOINT;
        }
      : function includedRouteOf(req) {
          const endpoint = expressRouteTemplate(req, mount.app) ?? UNMATCHED_ENDPOINT;
          return isExcludedEndpoint(endpoint) ? undefined : endpoint;
        };
  if (skip === undefined) return route;
  return function resolveEndpoint(req, res) {
    try {
      if (skip(req, res)) return undefined;
    } catch (error) {
      warnOnce("express:skip", "the skip option threw; the request is counted", error);
    }
    return route(req, res);
  };
}

function plainMiddleware(
  tracking: HttpTracking,
  endpointOf: EndpointResolver,
  mount: MountedOn,
): ExpressMiddleware {
  const recorder = tracking.recorder;
  return function recordRequestMetrics(req, res, next) {
    try {
      if (mount.app === undefined) mount.app = (req as { app?: unknown }).app;
      trackResponse(req, res, recorder, endpointOf);
    } catch {
      // Metrics never break the request path.
    }
    next();
  };
}

function middlewareWithOptions(
  tracking: HttpTracking,
  endpointOf: EndpointResolver,
  mount: MountedOn,
): ExpressMiddleware {
  const { recorder, begin, excludedMethods } = tracking;
  return function recordRequestMetricsWithOptions(req, res, next) {
    try {
      if (mount.app === undefined) mount.app = (req as { app?: unknown }).app;
      if (excludedMethods?.has(req.method ?? "") !== true) {
        const state = trackResponse(req, res, recorder, endpointOf);
        if (state !== undefined) begin?.(req, res, undefined, state);
      }
    } catch {
      // Metrics never break the request path.
    }
    next();
  };
}
