/**
 * Types of the peer-parity options: label functions get each framework's own request and
 * response types, and bad option values do not compile. Checked by `tsc --noEmit`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, Response } from "express";
import Fastify from "fastify";
import type { FastifyReply, FastifyRequest } from "fastify";
import { describe, expectTypeOf, it } from "vitest";
import { clusterMetricsHandler, enableClusterWorkerMetrics } from "../../src/exposition/cluster.js";
import { metricsMiddleware } from "../../src/express/metrics.js";
import type { ExpressMetricsOptions } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import type { FastifyMetricsOptions } from "../../src/fastify/metrics.js";

describe("option types", () => {
  it("gives Fastify label functions FastifyRequest and FastifyReply", async () => {
    const app = Fastify();
    await app.register(metricsPlugin, {
      extraLabels: {
        tenant: (request, reply) => {
          expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
          expectTypeOf(reply).toEqualTypeOf<FastifyReply>();
          return request.routeOptions.url ?? "none";
        },
      },
      excludeRoutes: ["/health", /^\/internal/],
      excludeMethods: ["OPTIONS"],
      defaultMetrics: { prefix: "app_" },
      durationSummary: { percentiles: [0.5, 0.99] },
    });
  });

  it("accepts Express label functions typed with express's Request", () => {
    metricsMiddleware({
      extraLabels: {
        tenant: (req: Request, res: Response) => req.get("x-tenant") ?? String(res.statusCode),
        plain: (req) => {
          expectTypeOf(req).toEqualTypeOf<IncomingMessage>();
          return req.method ?? "";
        },
      },
      inFlight: true,
      requestSize: true,
      responseSize: true,
      groupStatusCodes: true,
    });
  });

  it("rejects values of the wrong type", () => {
    // @ts-expect-error label functions return strings
    metricsMiddleware({ extraLabels: { tenant: () => ({}) } });
    // @ts-expect-error defaultMetrics is a boolean or { prefix }
    metricsMiddleware({ defaultMetrics: "yes" });
    // @ts-expect-error excludeRoutes holds strings and RegExps
    metricsMiddleware({ excludeRoutes: [1] });
    expectTypeOf<FastifyMetricsOptions["inFlight"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ExpressMetricsOptions["maxLabelValues"]>().toEqualTypeOf<number | undefined>();
  });

  it("types the cluster helpers", () => {
    expectTypeOf(clusterMetricsHandler).returns.toEqualTypeOf<
      (req: IncomingMessage, res: ServerResponse) => void
    >();
    expectTypeOf(enableClusterWorkerMetrics).returns.toBeVoid();
  });
});
