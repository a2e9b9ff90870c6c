import type { Server } from "node:http";
import type { RequestHandler } from "express";
import type { FastifyInstance, FastifyPluginCallback, FastifyPluginAsync } from "fastify";
import { describe, expectTypeOf, it } from "vitest";
import { healthHandler } from "../../src/express/health.js";
import type { HealthHandler } from "../../src/express/health.js";
import { healthPlugin } from "../../src/fastify/health.js";
import type { ReadinessCheck } from "../../src/health/checks.js";
import type { HealthOptions } from "../../src/health/options.js";
import { enableGracefulShutdown } from "../../src/shutdown/graceful-shutdown.js";
import type { GracefulShutdown, ShutdownTarget } from "../../src/shutdown/graceful-shutdown.js";
import { startMetricsServer } from "../../src/exposition/metrics-server.js";

describe("runtime types", () => {
  it("healthHandler is an Express request handler and a node:http handler", () => {
    expectTypeOf(healthHandler()).toEqualTypeOf<HealthHandler>();
    expectTypeOf(healthHandler()).toExtend<RequestHandler>();
  });

  it("healthPlugin registers on a Fastify instance with HealthOptions", () => {
    expectTypeOf(healthPlugin).toExtend<
      FastifyPluginAsync<HealthOptions> | FastifyPluginCallback<HealthOptions>
    >();
  });

  it("checks may be sync, async, boolean or void, with or without their own timeout", () => {
    expectTypeOf<() => boolean>().toExtend<ReadinessCheck>();
    expectTypeOf<(signal: AbortSignal) => Promise<void>>().toExtend<ReadinessCheck>();
    expectTypeOf<{
      db: () => Promise<boolean>;
      cache: { check: () => true; timeoutMs: number };
    }>().toExtend<NonNullable<HealthOptions["checks"]>>();
    expectTypeOf<() => string>().not.toExtend<ReadinessCheck>();
  });

  it("enableGracefulShutdown takes a node:http server or a Fastify instance", () => {
    expectTypeOf<Server>().toExtend<ShutdownTarget>();
    expectTypeOf<FastifyInstance>().toExtend<ShutdownTarget>();
    expectTypeOf(enableGracefulShutdown).returns.toEqualTypeOf<GracefulShutdown>();
    expectTypeOf(startMetricsServer).returns.toEqualTypeOf<Promise<Server>>();
  });
});
