import type { Server } from "node:http";
import express5 from "express";
import express4 from "express4";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsHandler } from "../../src/exposition/handler.js";
import {
  abortAfterArrival,
  abortRequest,
  close,
  eventually,
  heldRoute,
  listen,
  request,
} from "../support/http-client.js";
import { parseExposition, select, seriesCount, valueOf } from "../support/exposition.js";

type Express = typeof express5;
const versions: Array<[string, Express]> = [
  ["Express 5", express5],
  ["Express 4", express4 as unknown as Express],
];

describe.each(versions)("metricsMiddleware on %s", (_name, express) => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  async function start(options: Parameters<typeof metricsMiddleware>[0] = {}) {
    const registry = new Registry();
    const app = express();
    app.use(metricsMiddleware({ registry, ...options }));
    app.get("/metrics", metricsHandler({ registry }));
    app.get("/claims/:id", (req, res) => void res.json({ id: req.params.id }));
    app.post("/claims", (_req, res) => void res.status(201).json({ ok: true }));
    app.get(["/a", "/b"], (_req, res) => void res.send("ab"));
    app.get(/^\/re\/\d+$/, (_req, res) => void res.send("re"));
    app.get("/fail", () => {
      throw new Error("boom");
    });

    const notes = express.Router({ mergeParams: true });
    notes.get("/", (_req, res) => void res.json([]));
    notes.get("/:noteId", (_req, res) => void res.json({}));
    const claims = express.Router();
    claims.use("/:id/notes", notes);
    claims.get("/:id", (_req, res) => void res.json({}));
    const v1 = express.Router();
    v1.use("/claims", claims);
    app.use("/api/v1", v1);
    app.use("/api/v2", v1); // one router at two prefixes

    const admin = express();
    admin.get("/users/:userId", (_req, res) => void res.send("user"));
    app.use("/admin", admin);

    const slow = heldRoute("late");
    app.get("/slow", (_req, res) => void slow.handle().then((body) => res.send(body)));
    app.get("/stream", (_req, res) => {
      let sent = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (sent === 3) return void res.end();
        sent++;
        res.write(`chunk${sent}\n`);
        setTimeout(tick, 100);
      };
      tick();
    });

    const server = app.listen(0, "127.0.0.1");
    servers.push(server);
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    const scrape = async () => parseExposition((await request(port, "/metrics")).body);
    return { port, scrape, registry, slow };
  }

  it("labels requests with the route template, the method and the status", async () => {
    const { port, scrape } = await start();
    await request(port, "/claims/1");
    await request(port, "/claims/2?password=hunter2");
    await request(port, "/claims", { method: "POST" });
    await request(port, "/fail");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 3);
    expect(select(await scrape(), "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200" },
        value: 2,
      },
      {
        name: "http_requests_total",
        labels: { method: "POST", endpoint: "/claims", status: "201" },
        value: 1,
      },
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/fail", status: "500" },
        value: 1,
      },
    ]);
  });

  it("includes every router mount prefix, also for a router mounted twice and a sub-app", async () => {
    const { port, scrape } = await start();
    await request(port, "/api/v1/claims/7");
    await request(port, "/api/v1/claims/7/notes");
    await request(port, "/api/v1/claims/7/notes/3");
    await request(port, "/api/v2/claims/8");
    await request(port, "/admin/users/5");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 5);
    expect(select(await scrape(), "http_requests_total").map((s) => s.labels.endpoint)).toEqual([
      "/api/v1/claims/:id",
      "/api/v1/claims/:id/notes",
      "/api/v1/claims/:id/notes/:noteId",
      "/api/v2/claims/:id",
      "/admin/users/:userId",
    ]);
  });

  it("labels array routes with their paths and RegExp routes with the expression", async () => {
    const { port, scrape } = await start();
    await request(port, "/a");
    await request(port, "/b");
    await request(port, "/re/42");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 2);
    const samples = await scrape();
    expect(valueOf(samples, "http_requests_total", { endpoint: "/a|/b" })).toBe(2);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/^\\\\/re\\\\/\\\\d+$/" })).toBe(1);
  });

  it("counts 1,000 unknown URLs and 1,000 distinct ids in exactly two series", async () => {
    const { port, scrape } = await start();
    for (let i = 0; i < 1000; i++) await request(port, `/scan/${i}.php?id=${i}`);
    for (let i = 0; i < 1000; i++) await request(port, `/claims/${i}`);
    await eventually(
      async () =>
        select(await scrape(), "http_requests_total").reduce((n, s) => n + s.value, 0) === 2000,
    );
    const samples = await scrape();
    expect(select(samples, "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "__unmatched__", status: "404" },
        value: 1000,
      },
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200" },
        value: 1000,
      },
    ]);
    expect(seriesCount(samples, "http_request_duration_seconds_count")).toBe(2);
  });

  it("folds unknown methods into _OTHER and leaves /metrics out", async () => {
    const { port, scrape } = await start();
    await request(port, "/claims/1", { method: "PROPFIND" });
    await scrape();
    await eventually(async () => select(await scrape(), "http_requests_total").length === 1);
    expect(select(await scrape(), "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "_OTHER", endpoint: "__unmatched__", status: "404" },
        value: 1,
      },
    ]);
  });

  it("skips requests the skip option rejects, and counts them when it throws", async () => {
    let calls = 0;
    const { port, scrape } = await start({
      skip: (req) => {
        calls++;
        if ((req as { path?: string }).path === "/b") throw new Error("bad skip");
        return (req as { path?: string }).path === "/a";
      },
    });
    await request(port, "/a");
    await request(port, "/b");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 1);
    expect(
      select(await scrape(), "http_requests_total").map((s) => [s.labels.endpoint, s.value]),
    ).toEqual([["/a|/b", 1]]);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it("counts a client that went away as 499, once, with the time until the abort", async () => {
    const { port, scrape, slow } = await start();
    onTestFinished(() => slow.release());
    const at = await abortAfterArrival(port, "/slow", slow.started, 60);
    await eventually(
      async () => select(await scrape(), "http_requests_total", { endpoint: "/slow" }).length > 0,
    );
    const observedAt = performance.now();
    const first = await scrape();
    // The handler is still held: the duration can only run until the abort (see the Fastify test).
    const sum = valueOf(first, "http_request_duration_seconds_sum", { endpoint: "/slow" });
    expect(sum).toBeGreaterThanOrEqual((at.abortedAt - at.startedAt) / 1000);
    expect(sum).toBeLessThanOrEqual((observedAt - at.sentAt) / 1000);
    slow.release();
    await slow.finished;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the late reply: no second count
    expect(select(await scrape(), "http_requests_total", { endpoint: "/slow" })).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/slow", status: "499" },
        value: 1,
      },
    ]);
  });

  it("counts a client going away mid-stream as 499 and a full stream by its whole duration", async () => {
    const { port, scrape } = await start();
    await abortRequest(port, "/stream", "first-chunk");
    const full = await request(port, "/stream");
    expect(full.body).toBe("chunk1\nchunk2\nchunk3\n");
    await eventually(
      async () =>
        select(await scrape(), "http_requests_total", { endpoint: "/stream" }).length === 2,
    );
    const samples = await scrape();
    expect(valueOf(samples, "http_requests_total", { endpoint: "/stream", status: "499" })).toBe(1);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/stream", status: "200" })).toBe(1);
    expect(
      valueOf(samples, "http_request_duration_seconds_sum", { endpoint: "/stream" }),
    ).toBeGreaterThanOrEqual(0.29);
  });

  it("rejects a skip option that is not a function", () => {
    expect(() => metricsMiddleware({ skip: "yes" as never })).toThrow(
      '@crisislen/observability: skip must be a function, got "yes"',
    );
  });
});

describe("metricsHandler on plain node:http", () => {
  it("serves the exposition and answers 405 to other methods", async () => {
    const { createServer } = await import("node:http");
    const registry = new Registry();
    const server = createServer(metricsHandler({ registry }));
    const port = await listen(server);
    try {
      const ok = await request(port, "/anything");
      expect(ok.status).toBe(200);
      expect(ok.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
      const head = await request(port, "/", { method: "HEAD" });
      expect([head.status, head.body]).toEqual([200, ""]);
      const post = await request(port, "/", { method: "POST" });
      expect([post.status, post.headers.allow]).toEqual([405, "GET, HEAD"]);
    } finally {
      await close(server);
    }
  });
});
