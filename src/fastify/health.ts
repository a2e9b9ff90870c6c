/**
 * The health routes as a Fastify plugin (Fastify 4 and 5). The routes opt out of the request
 * metrics (`config.metrics: false`, honoured by `metricsPlugin`) and mark their requests
 * untracked for the Express-style adapters and the tracing setup.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { markUntracked } from "../kernel/request-state.js";
import { FASTIFY_REGISTER_OPTION_KEYS } from "../kernel/frameworks.js";
import { PACKAGE_NAME, errorOnce } from "../kernel/logger.js";
import { compileHealth } from "../health/options.js";
import type { HealthAnswer, HealthOptions } from "../health/options.js";
import { attachedReadiness } from "../health/readiness-state.js";

/** Options of {@link healthPlugin}. */
export type HealthPluginOptions = HealthOptions;

const UNAVAILABLE: HealthAnswer = { statusCode: 503, body: '{"status":"unavailable","checks":{}}' };

function send(reply: FastifyReply, answer: HealthAnswer): FastifyReply {
  return reply
    .code(answer.statusCode)
    .header("cache-control", "no-store")
    .type("application/json; charset=utf-8")
    .send(answer.body);
}

async function healthRoutes(fastify: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  const health = compileHealth(options, "healthPlugin", FASTIFY_REGISTER_OPTION_KEYS);
  const config = { metrics: false };

  fastify.get(
    health.livePath,
    { config },
    function liveRoute(request: FastifyRequest, reply: FastifyReply) {
      markUntracked(request.raw);
      return send(reply, health.live);
    },
  );

  fastify.get(
    health.readyPath,
    { config },
    async function readyRoute(request: FastifyRequest, reply: FastifyReply) {
      markUntracked(request.raw);
      let answer: HealthAnswer;
      try {
        // The server is looked up per probe: the shutdown may attach its state after registration.
        answer = await health.ready(attachedReadiness(fastify.server));
      } catch (error) {
        errorOnce("readiness:handler", "readiness route failed", error);
        answer = UNAVAILABLE;
      }
      return send(reply, answer);
    },
  );
}

/**
 * Fastify plugin adding the liveness and readiness routes.
 *
 * @example
 * await app.register(healthPlugin, { checks: { db: (signal) => db.ping(signal) } });
 */
export const healthPlugin = fp(healthRoutes, {
  name: `${PACKAGE_NAME}/health`,
  fastify: "4.x || 5.x",
});

export default healthPlugin;
