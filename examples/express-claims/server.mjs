/**
 * The CrisisLens claims API on Express 5, instrumented as the README says: tracing, the request
 * metrics, health routes with a readiness check, a separate metrics port and graceful shutdown.
 *
 *   npm run build && node examples/express-claims/server.mjs
 *
 * Environment: PORT (3000), HOST (127.0.0.1; 0.0.0.0 in a container), METRICS_PORT (9464),
 * METRICS_ON_APP_PORT (true; the deploy kit's ConfigMap sets false: /metrics only on METRICS_PORT),
 * SCORING_DELAY_MS (150), REPORT_FAIL_EVERY (10), plus the package's SHUTDOWN_* and OTEL_*.
 * Express 4 works the same, except that its async handlers must pass errors to `next`.
 */
import { once } from "node:events";
import express from "express";
import {
  enableGracefulShutdown,
  healthHandler,
  instrumentApp,
  metricsHandler,
  metricsMiddleware,
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

const app = express();
// Tracing first: routes defined before this call would get no route name on their spans.
// (`node --import @crisislen/observability/register` does the same before anything loads.)
await instrumentApp(app, tracingOptions());
// Before the routes: http_requests_total and http_request_duration_seconds for each request.
app.use(metricsMiddleware());
// GET /health/live and GET /health/ready (not counted, not traced); ready only while the
// dependency answers.
app.use(
  healthHandler({
    checks: {
      policyService: { check: (signal) => claims.policyServiceIsUp(signal), timeoutMs: 500 },
    },
  }),
);
// Unless METRICS_ON_APP_PORT=false (in the cluster: the exposition only on the metrics port).
if (onAppPort) app.get("/metrics", metricsHandler());
app.use(express.json({ limit: "1mb" }));

// Express 5 passes a rejected promise or a thrown error of an async handler to the error handler.
const router = express.Router();
router.post("/claims", (req, res) => {
  res.status(201).json(claims.createClaim(req.body));
});
router.get("/claims/:id", (req, res) => {
  res.json(claims.getClaim(req.params.id));
});
router.post("/claims/:id/process", async (req, res) => {
  res.json(await claims.processClaim(claims.getClaim(req.params.id)));
});
router.get("/claims/:id/report", (req, res) => {
  res.json(claims.buildReport(claims.getClaim(req.params.id), { fail: req.query.fail === "1" }));
});
app.use(router);

app.use((req, res) => {
  res.status(404).json({ error: "not found" });
});
// Express recognises an error handler by its four parameters, so `_next` stays.
app.use(function claimErrors(error, req, res, _next) {
  const statusCode = error.statusCode ?? error.status ?? 500;
  // express.json's errors (a malformed body) carry a 4xx status too.
  res.status(statusCode).json({ error: statusCode < 500 ? error.message : "internal error" });
});

const server = app.listen(envInteger("PORT", 3000), process.env.HOST ?? "127.0.0.1");
await once(server, "listening");
// The exposition on its own port (METRICS_PORT, default 9464), the one Prometheus scrapes in the
// cluster; the graceful shutdown leaves it up until the exit.
const metricsServer = await startMetricsServer();
// SIGTERM (the kubelet) and SIGINT (Ctrl-C): readiness 503, drain, close, flush traces, exit 0.
// Express needs the server app.listen() returned, not the app.
const shutdown = enableGracefulShutdown(server, { signals: ["SIGTERM", "SIGINT"] });
server.once("close", () => void policyService.close());

printBanner({
  framework: "Express",
  url: urlOf(server),
  metricsUrl: `${urlOf(metricsServer)}/metrics`,
  onAppPort,
  shutdown,
});
