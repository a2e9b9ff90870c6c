import { SpanKind } from "@opentelemetry/api";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { metricsPlugin } from "../src/fastify/metrics.js";
import { instrumentApp } from "../src/tracing/instrument-app.js";
import { baseUrl, memoryExporter } from "./tracing/helpers.js";

describe("exemplars – http_request_duration_seconds links to the request's trace", () => {
  const { exporter, processor } = memoryExporter();
  const registry = new Registry();
  const app = Fastify();
  afterAll(async () => {
    await app.close();
  });

  it("carries the server span's trace_id and span_id in OpenMetrics, and nothing in Prometheus text", async () => {
    const handle = await instrumentApp(app, {
      serviceName: "exemplar-test",
      exporter: "none",
      spanProcessors: [processor],
    });
    await app.register(metricsPlugin, { registry });
    app.get("/claims/:id", async () => ({ ok: true }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${baseUrl(app.server)}/claims/7`, {
      headers: { connection: "close" },
    });
    expect(res.status).toBe(200);
    await handle.forceFlush();
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe("GET /claims/:id");
    const { traceId, spanId } = server!.spanContext();

    const scrape = async (accept: string) =>
      (await fetch(`${baseUrl(app.server)}/metrics`, { headers: { accept } })).text();
    let openMetrics = "";
    for (let attempt = 0; attempt < 50 && !openMetrics.includes(traceId); attempt++) {
      openMetrics = await scrape("application/openmetrics-text; version=1.0.0");
      if (!openMetrics.includes(traceId)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const line = openMetrics.split("\n").find((l) => l.includes(`trace_id="${traceId}"`));
    expect(line).toMatch(
      new RegExp(
        `^http_request_duration_seconds_bucket\\{method="GET",endpoint="/claims/:id",le="[0-9.]+"\\} 1 # \\{trace_id="${traceId}",span_id="${spanId}"\\} [0-9.e-]+ [0-9.]+$`,
      ),
    );
    expect(await scrape("text/plain")).not.toContain("trace_id");
  });
});
