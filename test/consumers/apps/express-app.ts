/**
 * A consumer's Express app, compiled by the consumer test under each tsconfig variant (ESM or
 * CommonJS output, standard or legacy decorators) against the types of the installed tarball.
 * It prints one JSON line once it listens, and shuts down when its stdin ends. Its log lines
 * (pino-http, with the trace fields of traceLogFields) go to the file LOG_FILE names.
 */
import express from "express";
import { pino } from "pino";
import { pinoHttp } from "pino-http";
import {
  instrumentApp,
  metrics,
  metricsHandler,
  metricsMiddleware,
  traceFunction,
  traceLogFields,
} from "@crisislen/observability";

interface Assessment {
  id: string;
  risk: number;
}

class ClaimService {
  @traceFunction("process_claim")
  async processClaim(id: string, log: { info(msg: string): void }): Promise<Assessment> {
    log.info("processing claim");
    metrics.countItems();
    metrics.recordRiskScore(0.42);
    return { id, risk: 0.42 };
  }
}

async function main(): Promise<void> {
  const app = express();
  const tracing = await instrumentApp(app, {
    serviceName: process.env.CONSUMER_NAME ?? "consumer",
  });
  const logger = pino(
    { mixin: traceLogFields },
    pino.destination({ dest: process.env.LOG_FILE ?? "/dev/null", sync: true }),
  );
  app.use(pinoHttp({ logger }));
  app.use(metricsMiddleware({ skip: (req) => req.url === "/internal/ping" }));
  app.get("/metrics", metricsHandler());
  const service = new ClaimService();
  app.get("/claims/:id", (req, res, next) => {
    req.log.info("claim requested");
    service.processClaim(req.params.id, req.log).then((result) => res.json(result), next);
  });
  app.get("/internal/ping", (_req, res) => {
    res.send("pong");
  });
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    logger.info("ready");
    console.log(
      JSON.stringify({
        address: `http://127.0.0.1:${port}`,
        moduleSystem: typeof __filename === "undefined" ? "esm" : "cjs",
        tracing: tracing.enabled,
      }),
    );
  });
  process.stdin.resume();
  process.stdin.once("end", () => {
    server.close(() => void tracing.shutdown());
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
