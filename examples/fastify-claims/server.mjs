/**
 * The CrisisLens claims API on Fastify, instrumented as the README says: tracing, the request
 * metrics, health routes with a readiness check, a separate metrics port and graceful shutdown.
 *
 *   npm run build && node examples/fastify-claims/server.mjs
 *   npm run demo    # the same, with a traffic generator (demo.mjs)
 *
 * Environment: PORT (3000), HOST (127.0.0.1; 0.0.0.0 in a container), METRICS_PORT (9464),
 * METRICS_ON_APP_PORT (true; the deploy kit's ConfigMap sets false: /metrics only on METRICS_PORT),
 * SCORING_DELAY_MS (150), REPORT_FAIL_EVERY (10), plus the package's SHUTDOWN_* and OTEL_*.
 */
import Fastify from "fastify";
import {
  enableGracefulShutdown,
  healthPlugin,
  instrumentApp,
  metricsPlugin,
  startMetricsServer,
} from "@crisislen/observability";
import { ClaimService } from "../shared/claim-service.mjs";
import {
  envInteger,
  metricsOnAppPort,
  printBanner,
  tracingOptions,
  urlOf,
} from "../shared/config.mjs";
import { startPolicyServiceStub } from "../shared/policy-service-stub.mjs";

const onAppPort = metricsOnAppPort();
const policyService = await startPolicyServiceStub();
const claims = new ClaimService({
  policyServiceUrl: policyService.url,
  scoringDelayMs: envInteger("SCORING_DELAY_MS", 150),
  reportFailEvery: envInteger("REPORT_FAIL_EVERY", 10),
});

const app = Fastify();
// Tracing first: routes defined before this call would get no route name on their spans.
await instrumentApp(app, tracingOptions());
// http_requests_total and http_request_duration_seconds for every route, and GET /metrics unless
// METRICS_ON_APP_PORT=false (in the cluster: the exposition only on the metrics port below).
await app.register(metricsPlugin, { metricsPath: onAppPort ? "/metrics" : false });
// GET /health/live and GET /health/ready (not counted, not traced); ready only while the
// dependency answers.
await app.register(healthPlugin, {
  checks: {
    policyService: { check: (signal) => claims.policyServiceIsUp(signal), timeoutMs: 500 },
  },
});

app.setErrorHandler(function claimErrors(error, request, reply) {
  const statusCode = error.statusCode ?? 500;
  // Fastify's own errors (a malformed JSON body) carry a 4xx status too.
  const message = statusCode < 500 ? error.message : "internal error";
  return reply.code(statusCode).send({ error: message });
});

app.post("/claims", async (request, reply) =>
  reply.code(201).send(claims.createClaim(request.body)),
);
app.get("/claims/:id", async (request) => claims.getClaim(request.params.id));
app.post("/claims/:id/process", async (request) =>
  claims.processClaim(claims.getClaim(request.params.id)),
);
app.get("/claims/:id/report", async (request) =>
  claims.buildReport(claims.getClaim(request.params.id), { fail: request.query.fail === "1" }),
);

// Runs after the last in-flight request during the graceful shutdown.
app.addHook("onClose", () => policyService.close());

await app.listen({ port: envInteger("PORT", 3000), host: process.env.HOST ?? "127.0.0.1" });
// The exposition on its own port (METRICS_PORT, default 9464), the one Prometheus scrapes in the
// cluster; the graceful shutdown leaves it up until the exit.
const metricsServer = await startMetricsServer();
// SIGTERM (the kubelet) and SIGINT (Ctrl-C): readiness 503, drain, close, flush traces, exit 0.
const shutdown = enableGracefulShutdown(app, { signals: ["SIGTERM", "SIGINT"] });

/** What the demo (demo.mjs imports this file) needs to know. */
export const url = urlOf(app.server);
export const metricsUrl = `${urlOf(metricsServer)}/metrics`;
export { shutdown };
printBanner({ framework: "Fastify", url, metricsUrl, onAppPort, shutdown });
