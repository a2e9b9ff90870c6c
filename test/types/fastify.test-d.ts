/**
 * Fastify typing: the per-route `config.metrics` switch the plugin adds to `FastifyContextConfig`,
 * and the plugin's options through `register`.
 */
import Fastify from "fastify";
import type { FastifyPluginCallback } from "fastify";
import { Registry } from "prom-client";
import { describe, expectTypeOf, it } from "vitest";
import { metricsPlugin } from "../../src/index.js";
import type { FastifyMetricsOptions } from "../../src/index.js";

const app = Fastify();

describe("Fastify route config", () => {
  it("accepts config: { metrics: false } and { metrics: true }", () => {
    app.get("/internal/sse", { config: { metrics: false } }, async () => "ok");
    app.route({ method: "GET", url: "/x", config: { metrics: true }, handler: async () => "ok" });
    expectTypeOf<{ metrics: false }>().toExtend<
      NonNullable<Parameters<typeof app.get>[1]>["config"]
    >();
  });

  it('rejects config: { metrics: "no" }', () => {
    // @ts-expect-error metrics is a boolean
    app.get("/a", { config: { metrics: "no" } }, async () => "ok");
    // @ts-expect-error metrics is a boolean
    app.route({ method: "GET", url: "/b", config: { metrics: 0 }, handler: async () => "ok" });
  });
});

describe("metricsPlugin", () => {
  it("is a Fastify plugin taking FastifyMetricsOptions", () => {
    expectTypeOf(metricsPlugin).toExtend<FastifyPluginCallback<FastifyMetricsOptions>>();
    void app.register(metricsPlugin);
    void app.register(metricsPlugin, {
      registry: new Registry(),
      metricsPath: false,
      token: "secret",
      durationBuckets: [0.1, 1, 10],
      excludeRoutes: ["/health", /^\/internal\//],
      extraLabels: { tenant: (request) => String(request.headers["x-tenant"] ?? "none") },
    });
  });

  it("rejects options of the wrong type", () => {
    // @ts-expect-error metricsPath is a string or false
    void app.register(metricsPlugin, { metricsPath: true });
    // @ts-expect-error durationBuckets is an array of numbers
    void app.register(metricsPlugin, { durationBuckets: ["0.1"] });
    // @ts-expect-error registry is a prom-client Registry
    void app.register(metricsPlugin, { registry: {} });
    // @ts-expect-error an extra label function returns a string
    void app.register(metricsPlugin, { extraLabels: { tenant: () => 1 } });
  });
});
