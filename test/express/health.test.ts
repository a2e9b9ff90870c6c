import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import express5 from "express";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { healthHandler } from "../../src/express/health.js";
import { isUntracked } from "../../src/kernel/request-state.js";
import { readinessOf } from "../../src/health/readiness-state.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { close, get, json, listen, metricsContaining } from "../health/http-client.js";

const express4 = createRequire(import.meta.url)("express4") as typeof express5;

const servers: Server[] = [];
let previous: ObservabilityLogger;
beforeEach(() => {
  resetLogRateLimit();
  previous = setLogger({ warn: () => {}, error: () => {} });
});
afterEach(async () => {
  setLogger(previous);
  await Promise.all(servers.splice(0).map(close));
});

async function serve(server: Server): Promise<number> {
  servers.push(server);
  return listen(server);
}

describe("healthHandler – node:http", () => {
  it("answers the health paths and returns false for the rest", async () => {
    const health = healthHandler({ checks: { db: () => true } });
    const port = await serve(
      createServer((req, res) => {
        if (health(req, res)) return;
        res.end("app");
      }),
    );
    const live = await get(port, "/health/live");
    expect([live.status, live.body]).toEqual([200, '{"status":"ok"}']);
    expect(live.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(live.headers["cache-control"]).toBe("no-store");
    const ready = await get(port, "/health/ready?verbose=1");
    expect(ready.status).toBe(200);
    expect((json(ready) as { checks: { db: { status: string } } }).checks.db.status).toBe("ok");
    const head = await get(port, "/health/ready", { method: "HEAD" });
    expect([head.status, head.body, head.headers["content-length"]]).toEqual([
      200,
      "",
      ready.headers["content-length"],
    ]);
    expect((await get(port, "/health/live", { method: "POST" })).body).toBe("app");
    expect((await get(port, "/health/liveness")).body).toBe("app");
  });

  it("answers 503 shutting_down on the server whose shutdown began, and only there", async () => {
    const health = healthHandler();
    const handler = (req: Parameters<typeof health>[0], res: Parameters<typeof health>[1]) => {
      if (!health(req, res)) res.end("app");
    };
    const first = createServer(handler);
    const second = createServer(handler);
    const [firstPort, secondPort] = await Promise.all([serve(first), serve(second)]);
    readinessOf(first).beginShutdown();
    const draining = await get(firstPort, "/health/ready");
    expect([draining.status, draining.body]).toEqual([
      503,
      '{"status":"shutting_down","checks":{}}',
    ]);
    expect((await get(secondPort, "/health/ready")).status).toBe(200);
    expect((await get(firstPort, "/health/live")).status).toBe(200);
  });
});

describe.each([
  ["Express 4", express4],
  ["Express 5", express5],
])("healthHandler – %s", (_name, express) => {
  function app(options: Parameters<typeof healthHandler>[0], registry = new Registry()) {
    const application = express();
    application.use(metricsMiddleware({ registry }));
    application.use(healthHandler(options));
    application.get("/claims/:id", (_req, res) => void res.send("claim"));
    return application;
  }

  it("serves liveness and readiness and passes other requests on", async () => {
    const port = await serve(createServer(app({ checks: { db: () => true } })));
    expect(json(await get(port, "/health/live"))).toEqual({ status: "ok" });
    const ready = await get(port, "/health/ready");
    expect(ready.status).toBe(200);
    expect((json(ready) as { status: string }).status).toBe("ok");
    expect((await get(port, "/claims/7")).body).toBe("claim");
  });

  it("a failing check (timeout, throw, false) gives 503 naming each, and a hanging check does not hang the probe", async () => {
    const port = await serve(
      createServer(
        app({
          checks: {
            hangs: { check: () => new Promise(() => {}), timeoutMs: 100 },
            throws: () => {
              throw new Error("boom");
            },
            refuses: async () => false,
            fine: () => true,
          },
        }),
      ),
    );
    const started = Date.now();
    const ready = await get(port, "/health/ready");
    const took = Date.now() - started;
    expect(ready.status).toBe(503);
    const body = json(ready) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe("unavailable");
    expect(
      Object.fromEntries(
        Object.entries(body.checks).map(([name, r]) => [name, [r.status, r.error]]),
      ),
    ).toEqual({
      hangs: ["timeout", "timed out after 100 ms"],
      throws: ["fail", "threw (details in the service log)"],
      refuses: ["fail", "returned false"],
      fine: ["ok", undefined],
    });
    expect(took).toBeLessThan(1000);
  });

  it("health requests are not counted in the request metrics", async () => {
    const registry = new Registry();
    const port = await serve(createServer(app({}, registry)));
    for (const path of ["/health/live", "/health/ready", "/health/live", "/claims/1"])
      await get(port, path);
    // The app's own route is counted (the control); the health routes are not.
    const series = 'http_requests_total{method="GET",endpoint="/claims/:id",status=';
    const text = await metricsContaining(registry, series);
    expect(text).toContain(series);
    expect(text).not.toContain("/health");
  });

  it("marks health requests untracked, and only them", async () => {
    const seen: [string, boolean][] = [];
    const application = express();
    application.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.on("finish", () => seen.push([req.url ?? "", isUntracked(req)]));
      next();
    });
    application.use(healthHandler());
    application.get("/claims/:id", (_req, res) => void res.send("claim"));
    const port = await serve(createServer(application));
    for (const path of ["/health/live", "/health/ready", "/claims/1"]) await get(port, path);
    for (let i = 0; i < 100 && seen.length < 3; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual([
      ["/health/live", true],
      ["/health/ready", true],
      ["/claims/1", false],
    ]);
  });

  it("works under a mount path with custom paths", async () => {
    const application = express();
    application.use("/internal", healthHandler({ livePath: "/alive", readyPath: "/ready" }));
    const port = await serve(createServer(application));
    expect((await get(port, "/internal/alive")).status).toBe(200);
    expect((await get(port, "/internal/ready")).status).toBe(200);
    expect((await get(port, "/alive")).status).toBe(404);
  });

  it("answers 503 shutting_down once the shutdown of its server began", async () => {
    const server = createServer(app({ checks: { db: () => true } }));
    const port = await serve(server);
    readinessOf(server).beginShutdown();
    const ready = await get(port, "/health/ready");
    expect([ready.status, json(ready)]).toEqual([503, { status: "shutting_down", checks: {} }]);
  });
});
