import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { SpanKind, trace } from "@opentelemetry/api";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import { peekRequestState } from "../../src/kernel/request-state.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { baseUrl, captureWarnings, memoryExporter, tree } from "../tracing/helpers.js";

let app: FastifyInstance | undefined;
let handle: TracingHandle | undefined;

afterEach(async () => {
  await app?.close();
  await handle?.shutdown();
  app = undefined;
  handle = undefined;
});

async function start(options: Parameters<typeof instrumentApp>[1] = {}) {
  const { exporter, processor } = memoryExporter();
  app = Fastify();
  handle = await instrumentApp(app, {
    serviceName: "claims-api",
    exporter: "none",
    spanProcessors: [processor],
    ...options,
  });
  return { app, exporter, handle };
}

describe("instrumentApp(fastify)", () => {
  it("creates one SERVER span per request, named by the route template, with redacted URL attributes", async () => {
    const { app, exporter, handle } = await start({ serviceVersion: "1.2.3" });
    app.get("/claims/:id", async () => ({ ok: true }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${baseUrl(app.server)}/claims/42?token=s3cret&page=2`);
    expect(res.status).toBe(200);
    await handle.forceFlush();
    // the test's own fetch is traced too: its CLIENT span is the parent, through traceparent
    expect(tree(exporter.getFinishedSpans())).toEqual([
      "GET /claims/:id [1] <- GET",
      "GET [2] <- <root>",
    ]);
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    expect(span!.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/claims/:id",
      "http.response.status_code": 200,
      "url.path": "/claims/42",
      "url.query": "token=REDACTED&page=2",
      "url.scheme": "http",
      "client.address": "127.0.0.1",
    });
    expect(span!.resource.attributes).toMatchObject({
      "service.name": "claims-api",
      "service.version": "1.2.3",
    });
  });

  it("continues an incoming W3C traceparent", async () => {
    const { app, exporter, handle } = await start();
    app.get("/x", async () => "x");
    await app.inject({
      url: "/x",
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    });
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span!.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(span!.parentSpanContext?.isRemote).toBe(true);
  });

  it("gives outbound fetch and http calls CLIENT spans under the server span, and sends traceparent", async () => {
    const seen: string[] = [];
    const downstream = createServer((req, res) => {
      seen.push(String(req.headers.traceparent));
      res.end("ok");
    });
    await new Promise<void>((r) => downstream.listen(0, "127.0.0.1", r));
    const { app, exporter, handle } = await start();
    // the CommonJS module object: what require-in-the-middle patched (ESM apps get it through the preload)
    const http = (await import("node:http")).default;
    app.get("/proxy", async () => {
      await (await fetch(`${baseUrl(downstream)}/a?password=hunter2`)).text();
      await new Promise<void>((resolve) =>
        http.get(`${baseUrl(downstream)}/b`, (r) => r.resume().on("end", resolve)),
      );
      return "done";
    });
    await app.inject({ url: "/proxy" });
    const downstreamUrl = baseUrl(downstream);
    downstream.close();
    await handle.forceFlush();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === "GET /proxy")!;
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(2);
    for (const c of clients) {
      expect(c.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(c.spanContext().traceId).toBe(server.spanContext().traceId);
    }
    expect(clients.map((c) => c.attributes["url.full"])).toContain(
      `${downstreamUrl}/a?password=REDACTED`,
    );
    expect(seen).toHaveLength(2);
    for (const header of seen)
      expect(header).toMatch(new RegExp(`^00-${server.spanContext().traceId}-[0-9a-f]{16}-01$`));
  });

  it("leaves /metrics and the health routes untraced by default, and honours ignorePaths", async () => {
    const { app, exporter, handle } = await start({ ignorePaths: ["/metrics", "/health/*"] });
    for (const url of ["/metrics", "/health/live", "/health/ready", "/work"])
      app.get(url, async () => "ok");
    for (const url of ["/metrics", "/health/live", "/health/ready?x=1", "/work"])
      await app.inject({ url });
    await handle.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["GET /work"]);
  });

  it("records hook and handler spans only with frameworkSpans: true", async () => {
    const { app, exporter, handle } = await start({ frameworkSpans: true });
    app.addHook("onRequest", async function authenticate() {});
    app.get("/h", async function getH() {
      return "h";
    });
    await app.inject({ url: "/h" });
    await handle.forceFlush();
    expect(tree(exporter.getFinishedSpans()).sort()).toEqual([
      "GET /h [1] <- <root>",
      "handler - getH [0] <- GET /h",
      "onRequest - authenticate [0] <- GET /h",
    ]);
  });

  it("marks a thrown error on the server span", async () => {
    const { app, exporter, handle } = await start();
    app.get("/boom", async () => {
      throw new Error("kaput");
    });
    const res = await app.inject({ url: "/boom" });
    expect(res.statusCode).toBe(500);
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: 2, message: "kaput" });
    expect(span!.events.map((e) => e.name)).toEqual(["exception"]);
    expect(span!.attributes["http.response.status_code"]).toBe(500);
  });

  it("leaves the server span's status unset for a 4xx thrown on purpose (the client's error)", async () => {
    const { app, exporter, handle } = await start();
    app.get("/claims/:id", async () => {
      throw Object.assign(new Error("claim not found"), { statusCode: 404 });
    });
    const res = await app.inject({ url: "/claims/9" });
    expect(res.statusCode).toBe(404);
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("GET /claims/:id");
    expect(span!.status).toEqual({ code: 0 });
    expect(span!.attributes["http.response.status_code"]).toBe(404);
  });

  it("warns when routes were defined before instrumentApp", async () => {
    const warnings = captureWarnings();
    try {
      app = Fastify();
      app.get("/early", async () => "e");
      handle = await instrumentApp(app, { exporter: "none" });
      expect(warnings.lines.join("\n")).toContain(
        "instrumentApp(app) was called after routes were defined",
      );
    } finally {
      warnings.restore();
    }
  });

  it("records the server span for request.raw, readable in onResponse (the exemplar seam)", async () => {
    const { app, exporter, handle } = await start();
    const ids: unknown[] = [];
    app.addHook("onResponse", async (request) => {
      ids.push(idsOf(request.raw));
    });
    app.get("/ids", async () => "x");
    await app.inject({ url: "/ids" });
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(ids).toEqual([
      { trace_id: span!.spanContext().traceId, span_id: span!.spanContext().spanId },
    ]);
  });

  it("is idempotent: a second app and a second call reuse the provider; differing options are named in a warning", async () => {
    const { handle } = await start();
    const warnings = captureWarnings();
    const second = Fastify();
    try {
      const again = await instrumentApp(second, { serviceName: "other" });
      expect(again).toBe(handle);
      expect(await instrumentApp(second)).toBe(handle);
      expect(warnings.lines.join("\n")).toContain(
        "these options of this call are ignored: serviceName",
      );
      expect(
        (trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate(),
      ).toBe(handle.tracerProvider);
    } finally {
      warnings.restore();
      await second.close();
    }
  });

  it("shuts tracing down when the (last) instrumented Fastify instance closes", async () => {
    const { app, handle } = await start();
    app.get("/x", async () => "x");
    await app.ready();
    await app.close();
    expect(
      (trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate(),
    ).not.toBe(handle.tracerProvider);
  });

  it("rejects what is not a Fastify or Express app, and bad options, with a clear message", async () => {
    await expect(instrumentApp({})).rejects.toThrow(
      "@crisislen/observability: the app given to instrumentApp must be a Fastify instance or an Express app, got an object",
    );
    await expect(instrumentApp(Fastify(), { exporter: "zipkin" as never })).rejects.toThrow(
      'exporter must be one of otlp, console, none, jaeger or a SpanExporter, got "zipkin"',
    );
    await expect(instrumentApp(Fastify(), { samplerArg: 2 })).rejects.toThrow(
      "samplerArg must be a number from 0 to 1, got 2",
    );
  });
});

/** The ids of the server span tracing recorded for `req`, as an exemplar carries them. */
function idsOf(req: Parameters<typeof peekRequestState>[0]) {
  const context = peekRequestState(req)?.serverSpan?.spanContext();
  return context && { trace_id: context.traceId, span_id: context.spanId };
}
