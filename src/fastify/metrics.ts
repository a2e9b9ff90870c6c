/**
 * The Fastify plugin: records the HTTP metrics for every route of the instance it is
 * registered on (and its children) and serves the exposition route. Fastify 4 and 5.
 */
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from "fastify";
import fp from "fastify-plugin";
import { UNMATCHED_ENDPOINT } from "../metrics/catalogue.js";
import type { RawLabelFunction } from "../http/extra-labels.js";
import { checkTokenOption, createExposition } from "../exposition/handler.js";
import type { HttpMetricsOptions, ResolvedHttpOptions } from "../http/options.js";
import { HTTP_OPTION_KEYS, resolveHttpOptions } from "../http/options.js";
import type { HttpRecorder } from "../http/request-recorder.js";
import type { HttpTracking } from "../http/setup.js";
import { createHttpTracking } from "../http/setup.js";
import { trackResponse } from "../http/track-response.js";
import { warnIfDifferent } from "./second-registration.js";
import { fastifyRouteConfig } from "../kernel/fastify-route.js";
import { markUntracked, peekRequestState } from "../kernel/request-state.js";
import { FASTIFY_REGISTER_OPTION_KEYS } from "../kernel/frameworks.js";
import { PACKAGE_NAME } from "../kernel/logger.js";
import { keysOf, optionsOf } from "../kernel/option-keys.js";
import { pathOption } from "../kernel/validate.js";
import { registryOption, type AnyRegistry } from "../metrics/registry.js";
import { sharedSymbol } from "../kernel/global-state.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. @default true */
    metrics?: boolean;
  }
}

/**
 * Options of {@link metricsPlugin}. The request-metric options (extra labels, exclusions, the
 * opt-in metrics, default process metrics) are those of {@link HttpMetricsOptions}; extra label
 * functions receive Fastify's `request` and `reply`.
 */
export interface FastifyMetricsOptions extends HttpMetricsOptions<FastifyRequest, FastifyReply> {
  /** Registry the metrics live in and the route exposes. @default the process-wide default registry */
  registry?: AnyRegistry;
  /**
   * Path of the exposition route, or `false` for none (serve it elsewhere, e.g. the separate
   * metrics listener).
   * @default "/metrics"
   */
  metricsPath?: string | false;
  /**
   * Bearer token the exposition route requires (`Authorization: Bearer <token>`); others get 401.
   * @default undefined (no guard)
   */
  token?: string;
  /**
   * Longest a scrape waits for the registry's collectors before answering 503.
   * @default 5000
   */
  collectTimeoutMs?: number;
  /**
   * Buckets of `http_request_duration_seconds` in seconds: finite, positive, increasing.
   * @default [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
   */
  durationBuckets?: readonly number[];
}

const REGISTERED = sharedSymbol("fastify-metrics");

/** The options a registration checks for: its own, the shared ones, and Fastify's `register` ones. */
const PLUGIN_OPTION_KEYS = [
  ...keysOf<Omit<FastifyMetricsOptions, keyof HttpMetricsOptions<never, never>>>({
    registry: true,
    metricsPath: true,
    token: true,
    collectTimeoutMs: true,
    durationBuckets: true,
  }),
  ...HTTP_OPTION_KEYS,
];

function checkOptions(options: unknown): {
  given: FastifyMetricsOptions;
  resolved: ResolvedHttpOptions<FastifyRequest, FastifyReply>;
} {
  const given = optionsOf("metricsPlugin", options, [
    ...PLUGIN_OPTION_KEYS,
    ...FASTIFY_REGISTER_OPTION_KEYS,
  ]) as FastifyMetricsOptions;
  if (given.metricsPath !== undefined && given.metricsPath !== false) {
    pathOption("metricsPath", given.metricsPath);
  }
  registryOption("registry", given.registry);
  checkTokenOption(given.token);
  return { given, resolved: resolveHttpOptions(given) };
}

const plugin: FastifyPluginCallback<FastifyMetricsOptions> = (fastify, options, done) => {
  try {
    setUp(fastify, options);
    done();
  } catch (error) {
    done(error as Error);
  }
};

function setUp(fastify: FastifyInstance, options: FastifyMetricsOptions): void {
  const { given, resolved } = checkOptions(options);
  const marked = fastify as unknown as Record<symbol, FastifyMetricsOptions | undefined>;
  const first = marked[REGISTERED];
  if (first !== undefined) {
    // Registered again on the same instance (or an ancestor): one set of hooks is enough, and
    // hooks already installed cannot take other labels or routes.
    warnIfDifferent(first, given, PLUGIN_OPTION_KEYS);
    return;
  }
  marked[REGISTERED] = given;

  const tracking = createHttpTracking({
    registry: given.registry,
    durationBuckets: given.durationBuckets,
    options: resolved as ResolvedHttpOptions<never, never>,
    extraLabels: resolved.extraLabels.map(
      ([name, compute]) => [name, fromFastifyReply(compute)] as const,
    ),
    inFlightLabels: ["method", "endpoint"],
  });
  const plain =
    tracking.begin === undefined &&
    tracking.excludedMethods === undefined &&
    tracking.isExcludedEndpoint === undefined &&
    resolved.extraLabels.length === 0;
  // Routing has happened by onRequest, so the route template is known here; the response is
  // measured when the socket-level response closes, which covers streamed bodies and clients
  // that went away (499) alike.
  fastify.addHook(
    "onRequest",
    plain
      ? plainHook(tracking.recorder)
      : hookWithOptions(tracking, resolved.extraLabels.length > 0),
  );

  if (given.metricsPath !== false) {
    const render = createExposition({
      ...(given.registry === undefined ? {} : { registry: given.registry }),
      ...(given.token === undefined ? {} : { token: given.token }),
      ...(given.collectTimeoutMs === undefined ? {} : { collectTimeoutMs: given.collectTimeoutMs }),
    });
    fastify.route({
      method: ["GET", "HEAD"],
      url: given.metricsPath ?? "/metrics",
      config: { metrics: false },
      logLevel: "warn",
      handler: async function serveMetrics(request, reply) {
        markUntracked(request.raw);
        const response = await render(request.raw.method, request.headers);
        void reply.code(response.status).headers(response.headers);
        return response.body;
      },
    });
  }
}

/** The hook with default options: no work beyond timing and recording. */
function plainHook(recorder: HttpRecorder): onRequestHookHandler {
  return function trackRequestMetrics(request, reply, next) {
    try {
      const config = fastifyRouteConfig(request);
      if (config?.metrics !== false) {
        trackResponse(request.raw, reply.raw, recorder, config?.url ?? UNMATCHED_ENDPOINT);
      }
    } catch {
      // Metrics never break the request path.
    }
    next();
  };
}

/** Adapts a label function of Fastify's `(request, reply)` to the raw request it is given. */
function fromFastifyReply(
  compute: (request: FastifyRequest, reply: FastifyReply) => string,
): RawLabelFunction {
  return (req) => {
    const reply = peekRequestState(req)?.fastifyReply as FastifyReply;
    return compute(reply.request, reply);
  };
}

/** The hook when options add exclusions, extra labels or start-of-request work. */
function hookWithOptions(tracking: HttpTracking, keepReply: boolean): onRequestHookHandler {
  const { recorder, begin, excludedMethods, isExcludedEndpoint } = tracking;
  return function trackRequestMetricsWithOptions(request, reply, next) {
    try {
      const config = fastifyRouteConfig(request);
      const raw = request.raw;
      if (config?.metrics !== false && excludedMethods?.has(raw.method ?? "") !== true) {
        const endpoint = config?.url ?? UNMATCHED_ENDPOINT;
        const state =
          isExcludedEndpoint?.(endpoint) === true
            ? undefined
            : trackResponse(raw, reply.raw, recorder, endpoint);
        if (state !== undefined) {
          if (keepReply) state.fastifyReply = reply;
          begin?.(raw, reply.raw, endpoint, state);
        }
      }
    } catch {
      // Metrics never break the request path.
    }
    next();
  };
}

/**
 * Fastify plugin recording `http_requests_total` and `http_request_duration_seconds` for every
 * route, and serving `GET /metrics`. Register it with `await app.register(metricsPlugin)`.
 * A route with `config: { metrics: false }` is not counted.
 */
export const metricsPlugin = fp(plugin, {
  fastify: "4.x || 5.x",
  name: PACKAGE_NAME,
});

export default metricsPlugin;
