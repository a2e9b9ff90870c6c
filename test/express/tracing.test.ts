import { afterEach, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import express from "express";
import { SpanKind } from "@opentelemetry/api";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import { peekRequestState } from "../../src/kernel/request-state.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { baseUrl, captureWarnings, memoryExporter, tree } from "../tracing/helpers.js";

let server: Server | undefined;
let handle: TracingHandle | undefined;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await handle?.shutdown();
  server = undefined;
  handle = undefined;
});

async function listen(app: express.Express): Promise<string> {
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server!.once("listening", r));
  return baseUrl(server);
}

describe("instrumentApp(express)", () => {
  it("names the one SERVER span by the route template, router mount prefix included", async () => {
    const { exporter, processor } = memoryExporter();
    const app = express();
    handle = await instrumentApp(app, {
      serviceName: "claims-api",
      exporter: "none",
      spanProcessors: [processor],
    });
    const claims = express.Router();
    claims.get("/:id", (_req, res) => void res.json({ ok: true }));
    app.use((_req, _res, next) => next());
    app.use("/api/v1/claims", claims);
    const url = await listen(app);
    expect((await fetch(`${url}/api/v1/claims/42?secret=x`)).status).toBe(200);
    await handle.forceFlush();
    const servers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.map((s) => s.name)).toEqual(["GET /api/v1/claims/:id"]);
    expect(servers[0]!.attributes).toMatchObject({
      "http.route": "/api/v1/claims/:id",
      "http.response.status_code": 200,
      "url.path": "/api/v1/claims/42",
      "url.query": "secret=REDACTED",
    });
    // one span per request: no middleware/router/handler spans by default
    expect(tree(exporter.getFinishedSpans())).toEqual([
      "GET /api/v1/claims/:id [1] <- GET",
      "GET [2] <- <root>",
    ]);
  });

  it("adds middleware and handler spans with frameworkSpans: true, and skips ignored paths", async () => {
    const { exporter, processor } = memoryExporter();
    const app = express();
    handle = await instrumentApp(app, {
      exporter: "none",
      spanProcessors: [processor],
      frameworkSpans: true,
    });
    app.get("/health/live", (_req, res) => void res.send("ok"));
    app.get("/items/:id", function getItem(_req, res) {
      res.send("item");
    });
    const url = await listen(app);
    await fetch(`${url}/health/live`);
    await fetch(`${url}/items/1`);
    await handle.forceFlush();
    const names = exporter
      .getFinishedSpans()
      .filter((s) => s.kind !== SpanKind.CLIENT)
      .map((s) => s.name);
    expect(names).toContain("GET /items/:id");
    expect(names).toContain("request handler");
    expect(names.some((n) => n.includes("health"))).toBe(false);
  });

  it("records the server span for the request, readable in a res.on('close') callback (the exemplar seam)", async () => {
    const { exporter, processor } = memoryExporter();
    const app = express();
    handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
    const ids: unknown[] = [];
    app.use((req, res, next) => {
      res.on("close", () => ids.push(idsOf(req)));
      next();
    });
    app.get("/t", (_req, res) => void res.send("t"));
    const url = await listen(app);
    await fetch(`${url}/t`);
    await handle.forceFlush();
    await new Promise((r) => setTimeout(r, 20));
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(ids).toEqual([
      { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId },
    ]);
  });

  it("warns when routes were defined before instrumentApp without the preload", async () => {
    // In this test file express was loaded before any hook: the first instrumentApp re-hooks it.
    // Here the instrumentations already exist, so simulate a fresh app with routes: no warning
    // for hooks installed earlier. The late-hook warning itself is tested in a child process.
    const warnings = captureWarnings();
    try {
      const app = express();
      app.get("/early", (_req, res) => void res.send("e"));
      handle = await instrumentApp(app, { exporter: "none" });
      expect(warnings.lines.filter((l) => l.includes("express"))).toEqual([]);
    } finally {
      warnings.restore();
    }
  });
});

/** The ids of the server span tracing recorded for `req`, as an exemplar carries them. */
function idsOf(req: Parameters<typeof peekRequestState>[0]) {
  const context = peekRequestState(req)?.serverSpan?.spanContext();
  return context && { trace_id: context.traceId, span_id: context.spanId };
}
