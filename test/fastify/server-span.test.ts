/**
 * The Fastify server span from our own hooks (src/fastify/server-span.ts): what it
 * carries, its timing, requests that match no route, and routes defined before instrumentApp.
 */
import { afterEach, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { SpanKind } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { baseUrl, captureWarnings, memoryExporter } from "../tracing/helpers.js";

let app: FastifyInstance | undefined;
let handle: TracingHandle | undefined;

afterEach(async () => {
  await app?.close();
  await handle?.shutdown();
  app = undefined;
  handle = undefined;
});

async function start(define?: (app: FastifyInstance) => void) {
  const { exporter, processor } = memoryExporter();
  app = Fastify();
  define?.(app);
  handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
  return { app, exporter, handle };
}

describe("the Fastify server span", () => {
  it("carries exactly the HTTP attributes, and lasts as long as the request", async () => {
    const { app, exporter, handle } = await start();
    app.get("/slow/:id", async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return "ok";
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const sentAt = performance.now();
    const res = await fetch(`${baseUrl(app.server)}/slow/7?x=1`, {
      headers: { "user-agent": "claims-test/1.0" },
    });
    await res.text();
    const elapsed = performance.now() - sentAt;
    await handle.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(span.name).toBe("GET /slow/:id");
    expect(span.attributes).toEqual({
      "http.request.method": "GET",
      "url.path": "/slow/7",
      "url.query": "x=1",
      "http.route": "/slow/:id",
      "url.scheme": "http",
      "client.address": "127.0.0.1",
      "user_agent.original": "claims-test/1.0",
      "network.protocol.version": "1.1",
      "http.response.status_code": 200,
    });
    const duration = hrTimeToMilliseconds(span.duration);
    expect(duration).toBeGreaterThanOrEqual(55);
    expect(duration).toBeLessThanOrEqual(elapsed);
    const startedAt = hrTimeToMilliseconds(span.startTime);
    expect(hrTimeToMilliseconds(span.endTime) - startedAt).toBeCloseTo(duration, 3);
  });

  it("names a request that matched no route by its method, with its 404 status", async () => {
    const { app, exporter, handle } = await start();
    app.get("/known", async () => "k");
    const res = await app.inject({ url: "/unknown", method: "DELETE" });
    expect(res.statusCode).toBe(404);
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("DELETE");
    expect(span!.attributes["http.route"]).toBeUndefined();
    expect(span!.attributes["http.response.status_code"]).toBe(404);
    expect(span!.status).toEqual({ code: 0 });
  });

  it("marks a 5xx sent without a thrown error as an error", async () => {
    const { app, exporter, handle } = await start();
    app.get("/down", async (_request, reply) => reply.code(503).send("down"));
    await app.inject({ url: "/down" });
    await handle.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: 2 });
    expect(span!.events).toEqual([]);
  });

  it("traces and names routes defined before instrumentApp, with a warning about earlier hooks", async () => {
    const warnings = captureWarnings();
    try {
      const { app, exporter, handle } = await start((early) => {
        early.get("/early/:id", async () => "e");
      });
      await app.inject({ url: "/early/1" });
      await handle.forceFlush();
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["GET /early/:id"]);
      expect(warnings.lines.join("\n")).toContain(
        "hooks added before it run outside the request's server span",
      );
    } finally {
      warnings.restore();
    }
  });

  it("ends the span of a hijacked reply when its raw response ends, with the raw status", async () => {
    const { app, exporter, handle } = await start();
    app.get("/events/:id", async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(503, { "content-type": "text/event-stream" });
      reply.raw.end("data: down\n\n");
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${baseUrl(app.server)}/events/3`);
    expect(await res.text()).toBe("data: down\n\n");
    await handle.forceFlush();
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(spans.map((s) => s.name)).toEqual(["GET /events/:id"]);
    expect(spans[0]!.attributes["http.response.status_code"]).toBe(503);
    expect(spans[0]!.status).toEqual({ code: 2 });
  });

  it("records an error thrown in a hook, and one sent with reply.send(error)", async () => {
    const { app, exporter, handle } = await start();
    app.get(
      "/guarded",
      { preHandler: async () => Promise.reject(new Error("no token store")) },
      async () => "x",
    );
    app.get("/sent", async (_request, reply) => reply.code(502).send(new Error("upstream gone")));
    expect((await app.inject({ url: "/guarded" })).statusCode).toBe(500);
    expect((await app.inject({ url: "/sent" })).statusCode).toBe(502);
    await handle.forceFlush();
    const byName = Object.fromEntries(exporter.getFinishedSpans().map((s) => [s.name, s]));
    expect(byName["GET /guarded"]!.status).toEqual({ code: 2, message: "no token store" });
    expect(byName["GET /guarded"]!.events.map((e) => e.name)).toEqual(["exception"]);
    expect(byName["GET /sent"]!.status).toEqual({ code: 2, message: "upstream gone" });
    expect(byName["GET /sent"]!.attributes["http.response.status_code"]).toBe(502);
  });
});
