import { describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { Registry } from "prom-client";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { parseExposition, valueOf } from "../support/exposition.js";

describe("body sizes through Fastify's inject (light-my-request)", () => {
  it("counts a response body once, though inject's end() calls write() itself", async () => {
    const registry = new Registry();
    const app = fastify5();
    await app.register(metricsPlugin, {
      registry,
      requestSize: true,
      responseSize: true,
      defaultMetrics: false,
    });
    app.post("/echo", async (req) => req.body);
    const reply = await app.inject({
      method: "POST",
      url: "/echo",
      payload: { a: "é".repeat(10) },
    });
    const samples = parseExposition((await app.inject({ url: "/metrics" })).body);
    const where = { method: "POST", endpoint: "/echo" };
    expect(valueOf(samples, "http_response_size_bytes_sum", where)).toBe(reply.rawPayload.length);
    expect(valueOf(samples, "http_request_size_bytes_sum", where)).toBe(
      Buffer.byteLength(JSON.stringify({ a: "é".repeat(10) })),
    );
    await app.close();
  });
});
