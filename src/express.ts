/**
 * The Express middleware: records the HTTP metrics for every request that passes through it.
 * Express 4 and 5. Add it before the routes: `app.use(metricsMiddleware())`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { expressRouteTemplate } from "./http/express-route.js";
import { RequestRecorder } from "./http/request-recorder.js";
import { trackResponse } from "./http/track-response.js";
import { warnOnce, PACKAGE_NAME } from "./logger.js";
import { UNMATCHED_ENDPOINT } from "./metrics/catalogue.js";
import { getMetrics } from "./metrics/crisislen-metrics.js";

/** Options of {@link metricsMiddleware}. */
export interface ExpressMetricsOptions {
  /** Registry the metrics live in. @default the process-wide default registry */
  registry?: Registry;
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
export function metricsMiddleware(options: ExpressMetricsOptions = {}): ExpressMiddleware {
  if (options.skip !== undefined && typeof options.skip !== "function") {
    throw new TypeError(`${PACKAGE_NAME}: skip must be a function, got ${typeof options.skip}`);
  }
  const recorder = new RequestRecorder(
    getMetrics({
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.durationBuckets === undefined
        ? {}
        : { durationBuckets: options.durationBuckets }),
    }),
  );
  const skip = options.skip;

  const endpointOf = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    if (skip !== undefined) {
      try {
        if (skip(req, res)) return undefined;
      } catch (error) {
        warnOnce("express:skip", "the skip option threw; the request is counted", error);
      }
    }
    return expressRouteTemplate(req) ?? UNMATCHED_ENDPOINT;
  };

  return function recordRequestMetrics(req, res, next) {
    try {
      trackResponse(req, res, recorder, endpointOf);
    } catch {
      // Metrics never break the request path.
    }
    next();
  };
}
