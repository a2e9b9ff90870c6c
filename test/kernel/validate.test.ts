/**
 * One validation path: every entry point rejects bad options in one message shape —
 * `@crisislen/observability: <option> must be <what is allowed>, got <value>` — and rejects
 * unknown option keys, naming the nearest known one. Driven through the public index, as a user
 * calls it.
 */
import { createServer } from "node:http";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  clusterMetricsHandler,
  enableGracefulShutdown,
  getMetrics,
  healthHandler,
  healthPlugin,
  instrumentApp,
  metricsHandler,
  metricsMiddleware,
  metricsPlugin,
  startMetricsServer,
  traceFunction,
} from "../../src/index.js";

const SHAPE = /^@crisislen\/observability: .+ must be .+, got .+$/;
const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The error `run` throws or rejects with. */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, got none");
}

function fastify() {
  const app = Fastify();
  apps.push(app);
  return app;
}

describe("unknown option keys are rejected, naming the nearest known one", () => {
  it.each<[string, () => unknown, string]>([
    [
      "metricsMiddleware",
      () => metricsMiddleware({ durationBucket: [1] } as never),
      'metricsMiddleware has no option "durationBucket"; did you mean "durationBuckets"?',
    ],
    [
      "metricsPlugin",
      () => fastify().register(metricsPlugin, { metricPath: "/m" } as never),
      'metricsPlugin has no option "metricPath"; did you mean "metricsPath"?',
    ],
    [
      "metricsHandler",
      () => metricsHandler({ tokne: "x" } as never),
      'metricsHandler has no option "tokne"; did you mean "token"?',
    ],
    [
      "startMetricsServer",
      () => startMetricsServer({ prot: 0 } as never),
      'startMetricsServer has no option "prot"; did you mean "port"?',
    ],
    [
      "getMetrics",
      () => getMetrics({ extraLabels: ["a"] } as never),
      'getMetrics has no option "extraLabels"; did you mean "extraLabelNames"?',
    ],
    [
      "healthHandler",
      () => healthHandler({ readypath: "/r" } as never),
      'healthHandler has no option "readypath"; did you mean "readyPath"?',
    ],
    [
      "healthPlugin",
      () => fastify().register(healthPlugin, { check: {} } as never),
      'healthPlugin has no option "check"; did you mean "checks"?',
    ],
    [
      "enableGracefulShutdown",
      () => enableGracefulShutdown(createServer(), { timeout: 1000 } as never),
      'enableGracefulShutdown has no option "timeout"; did you mean "timeoutMs"?',
    ],
    [
      "instrumentApp",
      () => instrumentApp(fastify(), { servicename: "x", disabled: true } as never),
      'instrumentApp has no option "servicename"; did you mean "serviceName"?',
    ],
    [
      "instrumentApp batch",
      () => instrumentApp(fastify(), { batch: { maxQueue: 1 }, disabled: true } as never),
      'batch has no option "maxQueue"; did you mean "maxQueueSize"?',
    ],
    [
      "traceFunction",
      () => traceFunction("x", { attribute: {} } as never),
      'traceFunction("x") has no option "attribute"; did you mean "attributes"?',
    ],
    [
      "clusterMetricsHandler",
      () => clusterMetricsHandler({ tokens: "x" } as never),
      'clusterMetricsHandler has no option "tokens"; did you mean "token"?',
    ],
    [
      "durationSummary",
      () => metricsMiddleware({ durationSummary: { percentile: [0.5] } } as never),
      'durationSummary has no option "percentile"; did you mean "percentiles"?',
    ],
    [
      "a readiness check",
      () => healthHandler({ checks: { db: { check: () => true, timeout: 5 } } } as never),
      'checks.db has no option "timeout"; did you mean "timeoutMs"?',
    ],
  ])("%s", async (_where, run, message) => {
    const error = await errorOf(run);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain(`@crisislen/observability: ${message} (options: `);
  });

  it("lists the known options when no key is near", async () => {
    expect((await errorOf(() => metricsHandler({ zzzzzz: 1 } as never))).message).toBe(
      '@crisislen/observability: metricsHandler has no option "zzzzzz" (options: registry, token, collectTimeoutMs)',
    );
  });

  it("lets Fastify's own register options through to the plugins", async () => {
    const app = fastify();
    await app.register(metricsPlugin, { prefix: "/api", registry: new Registry() } as never);
    await app.register(healthPlugin, { prefix: "/api", logLevel: "warn" } as never);
    await app.ready();
    // fastify-plugin plugins share their parent's context, so Fastify applies no prefix.
    expect((await app.inject({ url: "/health/live" })).statusCode).toBe(200);
  });
});

describe("one message shape: package, option, what is allowed, the value", () => {
  it.each<[string, () => unknown, typeof TypeError, string]>([
    [
      "metricsMiddleware(null)",
      () => metricsMiddleware(null as never),
      TypeError,
      "metricsMiddleware options must be an object, got null",
    ],
    [
      "metricsHandler(42)",
      () => metricsHandler(42 as never),
      TypeError,
      "metricsHandler options must be an object, got 42",
    ],
    [
      "healthHandler([])",
      () => healthHandler([] as never),
      TypeError,
      "healthHandler options must be an object, got []",
    ],
    [
      "a registry that is not one",
      () => metricsMiddleware({ registry: {} as never }),
      TypeError,
      "registry must be a prom-client Registry, got an object",
    ],
    [
      "collectTimeoutMs 0",
      () => metricsHandler({ collectTimeoutMs: 0 }),
      RangeError,
      "collectTimeoutMs must be a whole number of milliseconds from 1 to 300000, got 0",
    ],
    [
      "instrumentApp exporter",
      () => instrumentApp(fastify(), { exporter: "zipkin" as never, disabled: true }),
      TypeError,
      'exporter must be one of otlp, console, none, jaeger or a SpanExporter, got "zipkin"',
    ],
    [
      "instrumentApp shutdownTimeoutMs 1.5",
      () => instrumentApp(fastify(), { shutdownTimeoutMs: 1.5, disabled: true }),
      RangeError,
      "shutdownTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 1.5",
    ],
    [
      "traceFunction kind",
      () => traceFunction("x", { kind: 9 as never }),
      TypeError,
      "kind must be a SpanKind, got 9",
    ],
    [
      "trackWorkflow(42)",
      () => getMetrics({ registry: new Registry() }).trackWorkflow(42 as never),
      TypeError,
      "crisislen_workflows_active trackWorkflow() argument must be a function, got 42",
    ],
  ])("%s", async (_what, run, Kind, message) => {
    const error = await errorOf(run);
    expect(error).toBeInstanceOf(Kind);
    expect(error.message).toBe(`@crisislen/observability: ${message}`);
    expect(error.message).toMatch(SHAPE);
  });
});

describe("the same rule for the same kind of value, wherever it is given (bug 7)", () => {
  const pathRule = 'must be a path starting with "/" without "?", "#" or whitespace, got "/m?x"';

  it("a path with a query is refused by metricsPlugin, startMetricsServer and the health routes alike", async () => {
    const plugin = await errorOf(() =>
      fastify().register(metricsPlugin, { metricsPath: "/m?x", registry: new Registry() }),
    );
    const server = await errorOf(() => startMetricsServer({ path: "/m?x", port: 0 }));
    const health = await errorOf(() => healthHandler({ livePath: "/m?x" }));
    expect([plugin.message, server.message, health.message]).toEqual([
      `@crisislen/observability: metricsPath ${pathRule}`,
      `@crisislen/observability: path ${pathRule}`,
      `@crisislen/observability: livePath ${pathRule}`,
    ]);
  });

  it("counts and durations are whole numbers everywhere: batch sizes as drain delays", async () => {
    const queue = await errorOf(() =>
      instrumentApp(fastify(), { batch: { maxQueueSize: 1.5 }, disabled: true }),
    );
    const drain = await errorOf(() =>
      enableGracefulShutdown(createServer(), { drainDelayMs: 1.5, signals: [] }),
    );
    expect(queue).toBeInstanceOf(RangeError);
    expect(drain).toBeInstanceOf(RangeError);
    expect(queue.message).toBe(
      "@crisislen/observability: batch.maxQueueSize must be a whole number from 1 to 1000000, got 1.5",
    );
    expect(drain.message).toBe(
      "@crisislen/observability: drainDelayMs must be a whole number of milliseconds from 0 to 2147483647, got 1.5",
    );
  });

  it("batch.scheduledDelayMillis takes 0 as its variable OTEL_BSP_SCHEDULE_DELAY does", async () => {
    const handle = await instrumentApp(fastify(), {
      batch: { scheduledDelayMillis: 0 },
      disabled: true,
    });
    expect(handle.enabled).toBe(false);
  });
});
