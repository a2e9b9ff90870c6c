import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { metricsHandler } from "../../src/exposition/handler.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { getMetrics } from "../../src/metrics/crisislen-metrics.js";
import { startMetricsServer } from "../../src/exposition/metrics-server.js";
import type { MetricsServerOptions } from "../../src/exposition/metrics-server.js";
import { close, get, listen } from "../health/http-client.js";

const OPENMETRICS = "application/openmetrics-text; version=1.0.0";
const servers: Server[] = [];
const portOf = (server: Server) => (server.address() as AddressInfo).port;
let messages: string[];
let previous: ObservabilityLogger;
const savedEnv = { port: process.env.METRICS_PORT, host: process.env.METRICS_HOST };

beforeEach(() => {
  messages = [];
  resetLogRateLimit();
  previous = setLogger({ warn: (m) => messages.push(m), error: (m) => messages.push(m) });
});
afterEach(async () => {
  setLogger(previous);
  await Promise.all(servers.splice(0).map(close));
  for (const [key, value] of [
    ["METRICS_PORT", savedEnv.port],
    ["METRICS_HOST", savedEnv.host],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function start(options: MetricsServerOptions): Promise<Server> {
  const server = await startMetricsServer(options);
  servers.push(server);
  return server;
}

describe("startMetricsServer", () => {
  it("serves the same series as the in-app Fastify route, in both formats", async () => {
    const registry = new Registry();
    const app = Fastify();
    await app.register(metricsPlugin, { registry, defaultMetrics: false });
    app.get("/claims/:id", async () => "claim");
    await app.listen({ port: 0, host: "127.0.0.1" });
    const appPort = (app.server.address() as AddressInfo).port;
    for (const id of [1, 2, 3]) await get(appPort, `/claims/${id}`);
    const listener = await start({ port: 0, registry });

    for (const accept of [undefined, OPENMETRICS]) {
      const headers: Record<string, string> = accept === undefined ? {} : { accept };
      // Scraping is not counted, so the two answers must be byte for byte the same.
      const inApp = await get(appPort, "/metrics", { headers });
      const separate = await get(portOf(listener), "/metrics", { headers });
      expect(inApp.status).toBe(200);
      expect(separate.status).toBe(200);
      expect(separate.headers["content-type"]).toBe(inApp.headers["content-type"]);
      expect(separate.body).toBe(inApp.body);
      expect(separate.body).toContain('endpoint="/claims/:id"');
    }
    await app.close();
  });

  it("serves the same series as the in-app Express route, and the default registry by default", async () => {
    const registry = new Registry();
    const app = express();
    app.use(metricsMiddleware({ registry, defaultMetrics: false }));
    app.get("/metrics", metricsHandler({ registry }));
    app.get("/claims/:id", (_req, res) => void res.send("claim"));
    const appServer = createServer(app);
    servers.push(appServer);
    const appPort = await listen(appServer);
    await get(appPort, "/claims/9");
    const listener = await start({ port: 0, registry, path: "/internal/metrics" });
    const inApp = await get(appPort, "/metrics");
    const separate = await get(portOf(listener), "/internal/metrics?x=1");
    expect(separate.body).toBe(inApp.body);
    expect((await get(portOf(listener), "/metrics")).status).toBe(404);

    // Without a registry both sides read the process-wide default one.
    getMetrics().itemsProcessed.inc(2);
    const defaults = await start({ port: 0 });
    const defaultApp = createServer(metricsHandler());
    servers.push(defaultApp);
    const defaultBody = (await get(await listen(defaultApp), "/metrics")).body;
    expect((await get(portOf(defaults), "/metrics")).body).toBe(defaultBody);
    expect(defaultBody).toContain("crisislen_items_processed_total ");
  });

  it("listens on 127.0.0.1 by default and reads METRICS_PORT and METRICS_HOST; options win", async () => {
    const probe = await start({ port: 0 });
    expect((probe.address() as AddressInfo).address).toBe("127.0.0.1");
    const free = portOf(probe);
    await close(servers.pop() as Server);
    process.env.METRICS_PORT = String(free);
    process.env.METRICS_HOST = "localhost";
    const fromEnv = await start({ host: "127.0.0.1" });
    expect([portOf(fromEnv), (fromEnv.address() as AddressInfo).address]).toEqual([
      free,
      "127.0.0.1",
    ]);
  });

  it("logs an invalid METRICS_PORT and falls back to 9464", async () => {
    process.env.METRICS_PORT = "99999";
    const server = await startMetricsServer({ host: "127.0.0.1" }).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    if (server instanceof Error)
      expect(server.code).toBe("EADDRINUSE"); // 9464 taken on this machine
    else {
      servers.push(server);
      expect(portOf(server)).toBe(9464);
    }
    expect(messages).toEqual([
      '@crisislen/observability: ignoring METRICS_PORT="99999": expected a whole number from 0 to 65535; using 9464',
    ]);
  });

  it("guards the exposition with a bearer token", async () => {
    const listener = await start({ port: 0, registry: new Registry(), token: "s3cret" });
    const port = portOf(listener);
    expect((await get(port, "/metrics")).status).toBe(401);
    expect(
      (await get(port, "/metrics", { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);
    expect(
      (await get(port, "/metrics", { headers: { authorization: "Bearer s3cret" } })).status,
    ).toBe(200);
  });

  it("answers 405 to other methods and 404 to other paths", async () => {
    const port = portOf(await start({ port: 0, registry: new Registry() }));
    expect((await get(port, "/metrics", { method: "POST" })).status).toBe(405);
    const missing = await get(port, "/");
    expect([missing.status, missing.body]).toEqual([404, "Not Found\n"]);
  });

  it("rejects when the port is taken", async () => {
    const taken = await start({ port: 0 });
    await expect(startMetricsServer({ port: portOf(taken) })).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });

  it.each<[MetricsServerOptions, Error]>([
    [
      { port: 70000 },
      new RangeError(
        "@crisislen/observability: port must be a whole number from 0 to 65535, got 70000",
      ),
    ],
    [
      { port: 1.5 },
      new RangeError(
        "@crisislen/observability: port must be a whole number from 0 to 65535, got 1.5",
      ),
    ],
    [
      { host: "" },
      new TypeError('@crisislen/observability: host must be a non-empty string, got ""'),
    ],
    [
      { path: "metrics" },
      new TypeError(
        '@crisislen/observability: path must be a path starting with "/" without "?", "#" or whitespace, got "metrics"',
      ),
    ],
  ])("rejects %j", (options, error) => {
    expect(() => startMetricsServer(options)).toThrow(error);
  });
});
