import { SpanKind } from "@opentelemetry/api";
import fastify4 from "fastify4";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import { baseUrl, memoryExporter } from "../tracing/helpers.js";

// @fastify/otel is applied to the instance, so Fastify 4 needs no require hook and is traced
// even when installed under an npm alias (unlike Express, whose patching matches module names).
describe("instrumentApp on Fastify 4", () => {
  const app = fastify4();
  afterAll(async () => {
    await app.close();
  });

  it("creates one route-named SERVER span per request", async () => {
    const { exporter, processor } = memoryExporter();
    const handle = await instrumentApp(app, {
      serviceName: "claims-v4",
      exporter: "none",
      spanProcessors: [processor],
    });
    app.get("/claims/:id", async () => ({ ok: true }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${baseUrl(app.server)}/claims/42`);
    expect(res.status).toBe(200);
    await handle.forceFlush();
    const servers = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(servers.map((span) => span.name)).toEqual(["GET /claims/:id"]);
    expect(servers[0]!.attributes["http.route"]).toBe("/claims/:id");
    expect(servers[0]!.resource.attributes["service.name"]).toBe("claims-v4");
  });
});
