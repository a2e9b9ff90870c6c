/**
 * Two libraries in one app each add `metricsMiddleware`, one from the ESM build and one from the
 * CJS build of the package: the request is counted once, as with two instances from one copy.
 * The "already tracked" mark lives in the per-request record shared by every copy.
 * (Issue #15, bug 1.)
 */
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import express from "express";
import { Registry } from "prom-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildDist } from "../support/build-dist.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";
import { close, listen, request } from "../support/http-client.js";

type Package = typeof import("../../src/index.js");

let esm: Package;
let cjs: Package;
const servers: Server[] = [];

beforeAll(async () => {
  const dir = await buildDist("index", { index: "index.ts" });
  esm = (await import(pathToFileURL(join(dir, "index.js")).href)) as Package;
  cjs = createRequire(import.meta.url)(join(dir, "index.cjs")) as Package;
}, 180_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => close(server)));
});

describe("metricsMiddleware from the ESM and the CJS build on one Express app", () => {
  it("are two distinct copies of the package", () => {
    expect(esm.metricsMiddleware).not.toBe(cjs.metricsMiddleware);
  });

  it("counts one request once, in the counter, the histogram and the in-flight gauge", async () => {
    const registry = new Registry();
    const options = { registry, defaultMetrics: false, inFlight: true } as const;
    const app = express();
    app.use(esm.metricsMiddleware(options));
    app.use(cjs.metricsMiddleware(options));
    app.get("/claims/:id", (req, res) => void res.json({ id: req.params.id }));
    app.get("/metrics", esm.metricsHandler({ registry }));
    const server = createServer(app);
    servers.push(server);
    const port = await listen(server);
    expect((await request(port, "/claims/7")).status).toBe(200);
    const samples = parseExposition((await request(port, "/metrics")).body);
    expect(select(samples, "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200" },
        value: 1,
      },
    ]);
    expect(valueOf(samples, "http_request_duration_seconds_count")).toBe(1);
    expect(valueOf(samples, "http_requests_in_flight", { method: "GET" })).toBe(0);
  });
});
