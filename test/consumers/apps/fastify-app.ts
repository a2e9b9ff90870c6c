/**
 * A consumer's Fastify app, compiled by the consumer test under each tsconfig variant (ESM or
 * CommonJS output, standard or legacy decorators) against the types of the installed tarball.
 * It prints one JSON line once it listens, and shuts down when its stdin ends. Its log lines (with
 * the trace fields of traceLogFields) go to the file LOG_FILE names.
 */
import Fastify from "fastify";
import {
  instrumentApp,
  metrics,
  metricsPlugin,
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
  const app = Fastify({
    logger: { mixin: traceLogFields, file: process.env.LOG_FILE ?? "/dev/null" },
  });
  const tracing = await instrumentApp(app, {
    serviceName: process.env.CONSUMER_NAME ?? "consumer",
  });
  await app.register(metricsPlugin);
  const service = new ClaimService();
  app.get<{ Params: { id: string } }>("/claims/:id", (request) => {
    request.log.info("claim requested");
    return service.processClaim(request.params.id, request.log);
  });
  app.get("/internal/ping", { config: { metrics: false } }, async () => "pong");
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  app.log.info("ready");
  console.log(
    JSON.stringify({
      address,
      moduleSystem: typeof __filename === "undefined" ? "esm" : "cjs",
      tracing: tracing.enabled,
    }),
  );
  process.stdin.resume();
  process.stdin.once("end", () => {
    void app.close().then(() => tracing.shutdown());
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
