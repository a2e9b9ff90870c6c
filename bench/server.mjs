// One benchmark server: `node bench/server.mjs <mode> <port>`. Prints {"ready":true} when
// listening. Imports the built package (dist/), so it measures what users install.
import { createRequire } from "node:module";

const [mode, portText] = process.argv.slice(2);
const port = Number(portText ?? 3000);
const require = createRequire(import.meta.url);
const claim = { id: "12345", status: "open", amount: 1250.5, currency: "EUR" };

async function fastifyServer(setup) {
  const Fastify = require("fastify");
  const app = Fastify({ logger: false });
  await setup?.(app);
  app.get("/claims/:id", async () => claim);
  await app.listen({ port, host: "127.0.0.1" });
  return app;
}

function expressServer(setup) {
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
  const counter = new client.Counter({
    name: "http_requests_total",
    help: "x",
    labelNames: ["method", "route", "status_code"],
    registers: [registry],
  });
  const histogram = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "x",
    labelNames: ["method", "route", "status_code"],
    registers: [registry],
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

/** Spans counted, not sent: the benchmark measures the SDK and instrumentation, not a network. */
const discardingExporter = {
  exported: 0,
  export(spans, done) {
    this.exported += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};

/** The plain OpenTelemetry setup the research measured (config E): http + @fastify/otel. */
function plainOpenTelemetry() {
  const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node");
  const { BatchSpanProcessor, AlwaysOnSampler } = require("@opentelemetry/sdk-trace-base");
  const { registerInstrumentations } = require("@opentelemetry/instrumentation");
  const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
  const { FastifyOtelInstrumentation } = require("@fastify/otel");
  const provider = new NodeTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(discardingExporter)],
  });
  provider.register();
  const fastifyOtel = new FastifyOtelInstrumentation({ registerOnInitialization: true });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation(), fastifyOtel] });
}

const modes = {
  "fastify-bare": () => fastifyServer(),
  "fastify-hook": () => fastifyServer(handWrittenHooks),
  "fastify-ours": async () => {
    const { metricsPlugin } = await import("../dist/index.js");
    return fastifyServer((app) => app.register(metricsPlugin));
  },
  "fastify-metrics": () =>
    fastifyServer((app) =>
      app.register(require("fastify-metrics").default, {
        endpoint: "/metrics",
        defaultMetrics: { enabled: false },
      }),
    ),
  "fastify-promster": () =>
    fastifyServer(async (app) => {
      const promster = require("@promster/fastify");
      await app.register(promster.plugin);
      app.get("/metrics", async (_request, reply) =>
        reply.type(promster.getContentType()).send(await promster.getSummary()),
      );
    }),
  "fastify-otel": () => {
    plainOpenTelemetry();
    return fastifyServer();
  },
  "fastify-traced": async () => {
    const { instrumentApp } = await import("../dist/index.js");
    return fastifyServer((app) =>
      instrumentApp(app, { exporter: discardingExporter, sampler: "always_on" }),
    );
  },
  "express-bare": () => expressServer(),
  "express-ours": async () => {
    const { metricsMiddleware, metricsHandler } = await import("../dist/index.js");
    return expressServer((app) => {
      app.use(metricsMiddleware());
      app.get("/metrics", metricsHandler());
    });
  },
  // Reference points: what any middleware costs in Express, and ours without process metrics.
  "express-noop": () => expressServer((app) => app.use((_req, _res, next) => next())),
  "express-ours-lean": async () => {
    const { metricsMiddleware, metricsHandler } = await import("../dist/index.js");
    return expressServer((app) => {
      app.use(metricsMiddleware({ defaultMetrics: false }));
      app.get("/metrics", metricsHandler());
    });
  },
  "fastify-ours-lean": async () => {
    const { metricsPlugin } = await import("../dist/index.js");
    return fastifyServer((app) => app.register(metricsPlugin, { defaultMetrics: false }));
  },
  "express-prom-bundle": () =>
    expressServer((app) => {
      app.use(
        require("express-prom-bundle")({
          includeMethod: true,
          includePath: true,
          includeStatusCode: true,
        }),
      );
    }),
  "express-promster": () =>
    expressServer((app) => {
      const promster = require("@promster/express");
      app.use(promster.createMiddleware({ app }));
      app.get("/metrics", async (_req, res) => {
        res.setHeader("content-type", promster.getContentType());
        res.end(await promster.getSummary());
      });
    }),
};

const start = modes[mode];
if (start === undefined) {
  console.error(`unknown mode ${mode}; one of ${Object.keys(modes).join(", ")}`);
  process.exit(2);
}
await start();
process.on("SIGTERM", () => {
  if (discardingExporter.exported > 0)
    console.log(JSON.stringify({ spansExported: discardingExporter.exported }));
  process.exit(0);
});
console.log(JSON.stringify({ ready: true, mode, port }));
