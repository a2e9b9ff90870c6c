import { createServer } from "node:http";
import { SpanKind } from "@opentelemetry/api";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { healthPlugin } from "../../src/fastify/health.js";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import { close, listen } from "../support/http-client.js";
import { baseUrl, memoryExporter } from "../tracing/helpers.js";

describe("readiness checks with tracing on", () => {
  const dependency = createServer((_req, res) => res.end("pong"));
  const app = Fastify();
  afterAll(async () => {
    await app.close();
    await close(dependency);
  });

  it("make no spans, while the same fetch in a route gets a CLIENT span", async () => {
    const port = await listen(dependency);
    const { exporter, processor } = memoryExporter();
    const handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
    await app.register(healthPlugin, {
      checks: { dependency: async () => (await fetch(`http://127.0.0.1:${port}/ping`)).ok },
    });
    app.get("/call", async () => (await fetch(`http://127.0.0.1:${port}/ping`)).text());
    await app.listen({ port: 0, host: "127.0.0.1" });

    const ready = await fetch(`${baseUrl(app.server)}/health/ready`);
    expect(ready.status).toBe(200);
    await handle.forceFlush();
    // The test's own fetch is a CLIENT span to the app; the check's fetch makes none. (The
    // dependency runs in this process, so its own SERVER span is left out: in production it is
    // another service.)
    const describeSpan = (span: ReturnType<typeof exporter.getFinishedSpans>[number]) =>
      `${span.name} [${span.kind}] :${String(span.attributes["server.port"] ?? span.attributes["url.full"] ?? "")}`;
    expect(
      exporter
        .getFinishedSpans()
        .filter((span) => span.kind === SpanKind.CLIENT)
        .map(describeSpan),
    ).toEqual([`GET [${SpanKind.CLIENT}] :${(app.server.address() as { port: number }).port}`]);

    exporter.reset();
    await fetch(`${baseUrl(app.server)}/call`);
    await handle.forceFlush();
    const outbound = exporter
      .getFinishedSpans()
      .filter(
        (span) =>
          span.kind === SpanKind.CLIENT && String(span.attributes["server.port"]) === String(port),
      );
    expect(outbound).toHaveLength(1);
  });
});
