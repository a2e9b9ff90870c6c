import fastify4 from "fastify4";
import fastify5 from "fastify";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { healthPlugin } from "../../src/fastify/health.js";
import { createReadinessState, readinessOf } from "../../src/health/readiness-state.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { get, json, metricsContaining } from "../health/http-client.js";

let previous: ObservabilityLogger;
beforeEach(() => {
  resetLogRateLimit();
  previous = setLogger({ warn: () => {}, error: () => {} });
});
afterEach(() => setLogger(previous));

describe.each([
  ["Fastify 4", fastify4 as unknown as typeof fastify5],
  ["Fastify 5", fastify5],
])("healthPlugin – %s", (_name, Fastify) => {
  it("serves liveness and readiness with JSON bodies", async () => {
    const app = Fastify();
    await app.register(healthPlugin, { checks: { db: () => true } });
    const live = await app.inject({ url: "/health/live" });
    expect([
      live.statusCode,
      live.body,
      live.headers["content-type"],
      live.headers["cache-control"],
    ]).toEqual([200, '{"status":"ok"}', "application/json; charset=utf-8", "no-store"]);
    const ready = await app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect((ready.json() as { checks: { db: { status: string } } }).checks.db.status).toBe("ok");
    const head = await app.inject({ method: "HEAD", url: "/health/ready" });
    expect([head.statusCode, head.body]).toEqual([200, ""]);
    await app.close();
  });

  it("a failing check (timeout, throw, false) gives 503 naming each; a hanging check does not hang the probe", async () => {
    const app = Fastify();
    await app.register(healthPlugin, {
      checkTimeoutMs: 100,
      checks: {
        hangs: () => new Promise(() => {}),
        throws: async () => {
          throw new Error("boom");
        },
        refuses: () => false,
      },
    });
    const started = Date.now();
    const ready = await app.inject({ url: "/health/ready" });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ready.statusCode).toBe(503);
    const body = ready.json() as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe("unavailable");
    expect(
      Object.fromEntries(Object.entries(body.checks).map(([n, r]) => [n, [r.status, r.error]])),
    ).toEqual({
      hangs: ["timeout", "timed out after 100 ms"],
      throws: ["fail", "threw (details in the service log)"],
      refuses: ["fail", "returned false"],
    });
    await app.close();
  });

  it("health routes are not counted by metricsPlugin", async () => {
    const registry = new Registry();
    const app = Fastify();
    await app.register(metricsPlugin, { registry });
    await app.register(healthPlugin);
    app.get("/claims/:id", async () => "claim");
    for (const url of ["/health/live", "/health/ready", "/claims/3"]) await app.inject({ url });
    // The app's own route is counted (the control); the health routes are not.
    const series = 'http_requests_total{method="GET",endpoint="/claims/:id",status=';
    const text = await metricsContaining(registry, series);
    expect(text).toContain(series);
    expect(text).not.toContain("/health");
    await app.close();
  });

  it("custom paths; readiness follows its own server's state and an explicit state", async () => {
    const readiness = createReadinessState();
    const app = Fastify();
    const other = Fastify();
    await app.register(healthPlugin, { livePath: "/livez", readyPath: "/readyz" });
    await other.register(healthPlugin, { readiness });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as { port: number }).port;
    expect((await get(port, "/livez")).status).toBe(200);
    expect((await get(port, "/readyz")).status).toBe(200);
    readinessOf(app.server).beginShutdown();
    const ready = await get(port, "/readyz");
    expect([ready.status, json(ready)]).toEqual([503, { status: "shutting_down", checks: {} }]);
    expect((await other.inject({ url: "/health/ready" })).statusCode).toBe(200);
    readiness.beginShutdown();
    expect((await other.inject({ url: "/health/ready" })).statusCode).toBe(503);
    await Promise.all([app.close(), other.close()]);
  });
});
