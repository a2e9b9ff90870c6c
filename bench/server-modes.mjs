// The benchmarked configurations. Each starts one server on `port`; `pkg` is this package as a
// user gets it: the ESM build (`import`) or the CommonJS build (`require`). Frameworks and peers
// are `require`d from the project the server runs in (the repository, or the fresh project the
// packed tarball was installed into).
import { createRequire } from "node:module";
import { discardingExporter, plainOpenTelemetry } from "./server-tracing.mjs";

const require = createRequire(import.meta.url);
const claim = { id: "12345", status: "open", amount: 1250.5, currency: "EUR" };

async function fastifyServer(port, setup) {
  const Fastify = require("fastify");
  const app = Fastify({ logger: false });
  await setup?.(app);
  app.get("/claims/:id", async () => claim);
  await app.listen({ port, host: "127.0.0.1" });
  return app;
}

function expressServer(port, setup) {
  const express = require("express");
  const app = express();
  setup?.(app);
  app.get("/claims/:id", (_req, res) => void res.json(claim));
  return new Promise((resolve) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** The floor the research measured: prom-client Counter + Histogram in two Fastify hooks. */
async function handWrittenHooks(app) {
  const client = require("prom-client");
  const registry = new client.Registry();
  const labelNames = ["method", "route", "status_code"];
  const registers = [registry];
  const counter = new client.Counter({
    name: "http_requests_total",
    help: "x",
    labelNames,
    registers,
  });
  const histogram = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "x",
    labelNames,
    registers,
  });
  app.addHook("onRequest", (request, _reply, done) => {
    request.benchStart = process.hrtime.bigint();
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url,
      status_code: reply.statusCode,
    };
    counter.inc(labels);
    histogram.observe(labels, Number(process.hrtime.bigint() - request.benchStart) / 1e9);
    done();
  });
  app.get("/metrics", async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}

/** What a traced server flushes before it reports its spans; set by the traced modes. */
export const tracing = { flush: async () => {} };

/** Mode name → `(port, pkg) => Promise<server>`. */
export const modes = {
  "fastify-bare": (port) => fastifyServer(port),
  "fastify-hook": (port) => fastifyServer(port, handWrittenHooks),
  "fastify-ours": (port, pkg) => fastifyServer(port, (app) => app.register(pkg.metricsPlugin)),
  "fastify-ours-lean": (port, pkg) =>
    fastifyServer(port, (app) => app.register(pkg.metricsPlugin, { defaultMetrics: false })),
  "fastify-metrics": (port) =>
    fastifyServer(port, (app) =>
      app.register(require("fastify-metrics").default, {
        endpoint: "/metrics",
        defaultMetrics: { enabled: false },
      }),
    ),
  "fastify-promster": (port) =>
    fastifyServer(port, async (app) => {
      const promster = require("@promster/fastify");
      await app.register(promster.plugin);
      app.get("/metrics", async (_request, reply) =>
        reply.type(promster.getContentType()).send(await promster.getSummary()),
      );
    }),
  "fastify-otel": (port) => {
    tracing.flush = plainOpenTelemetry();
    return fastifyServer(port);
  },
  "fastify-traced": (port, pkg) =>
    fastifyServer(port, async (app) => {
      const handle = await pkg.instrumentApp(app, {
        exporter: discardingExporter,
        sampler: "always_on",
      });
      tracing.flush = () => handle.forceFlush();
    }),
  "express-bare": (port) => expressServer(port),
  // What any middleware costs in Express: one more router layer.
  "express-noop": (port) => expressServer(port, (app) => app.use((_req, _res, next) => next())),
  "express-ours": (port, pkg) =>
    expressServer(port, (app) => {
      app.use(pkg.metricsMiddleware());
      app.get("/metrics", pkg.metricsHandler());
    }),
  "express-ours-lean": (port, pkg) =>
    expressServer(port, (app) => {
      app.use(pkg.metricsMiddleware({ defaultMetrics: false }));
      app.get("/metrics", pkg.metricsHandler());
    }),
  "express-prom-bundle": (port) =>
    expressServer(port, (app) => {
      app.use(
        require("express-prom-bundle")({
          includeMethod: true,
          includePath: true,
          includeStatusCode: true,
        }),
      );
    }),
  "express-promster": (port) =>
    expressServer(port, (app) => {
      const promster = require("@promster/express");
      app.use(promster.createMiddleware({ app }));
      app.get("/metrics", async (_req, res) => {
        res.setHeader("content-type", promster.getContentType());
        res.end(await promster.getSummary());
      });
    }),
};

/** Modes that load this package (the others do not depend on the build). */
export const usesPackage = (mode) => /-(ours|traced)/.test(mode);
