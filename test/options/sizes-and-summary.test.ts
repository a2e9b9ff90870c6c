import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { Registry } from "prom-client";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { abortRequest, eventually } from "../support/http-client.js";
import { select, valueOf } from "../support/exposition.js";
import type { Sample } from "../support/exposition.js";
import { closeAll, FRAMEWORKS, send, startApp } from "./support.js";

afterEach(closeAll);

/** [endpoint, method, count, sum] of a size histogram. */
function sizes(samples: Sample[], name: string) {
  return select(samples, `${name}_count`).map((sample) => [
    sample.labels.endpoint,
    sample.labels.method,
    sample.value,
    valueOf(samples, `${name}_sum`, sample.labels),
  ]);
}

describe.each(FRAMEWORKS)("size histograms on %s", (framework) => {
  it("are not registered unless enabled, and wrap nothing on the response by default", async () => {
    const app = await startApp(framework);
    await send(app.port, "/upload", { method: "POST", body: "x".repeat(10) });
    const text = await app.scrapeText();
    expect(text).not.toContain("http_request_size_bytes");
    expect(text).not.toContain("http_response_size_bytes");
    expect(text).not.toContain("http_request_duration_summary_seconds");
  });

  it("requestSize: Content-Length when sent, the bytes that arrived for a chunked body, 0 without a body", async () => {
    const app = await startApp(framework, { requestSize: true });
    const declared = await send(app.port, "/upload", { method: "POST", body: "x".repeat(1000) });
    const chunked = await send(app.port, "/upload", {
      method: "POST",
      body: ["a".repeat(100), "b".repeat(150), "c".repeat(50)],
    });
    expect(JSON.parse(declared.body)).toEqual({ bytes: 1000 });
    expect(JSON.parse(chunked.body)).toEqual({ bytes: 300 });
    await send(app.port, "/claims/1");
    expect(sizes(await app.scrape(), "http_request_size_bytes")).toEqual([
      ["/upload", "POST", 2, 1300],
      ["/claims/:id", "GET", 1, 0],
    ]);
    const buckets = select(await app.scrape(), "http_request_size_bytes_bucket", {
      endpoint: "/upload",
    }).map((sample) => [sample.labels.le, sample.value]);
    expect(buckets.slice(0, 4)).toEqual([
      ["64", 0],
      ["256", 0],
      ["1024", 2],
      ["4096", 2],
    ]);
  });

  it("responseSize: the body bytes written, streamed or not; 0 for HEAD and 204", async () => {
    const app = await startApp(framework, { responseSize: true, sizeBuckets: [10, 100] });
    const claim = await send(app.port, "/claims/12345");
    const stream = await send(app.port, "/stream");
    await send(app.port, "/claims/1", { method: "HEAD" });
    await send(app.port, "/empty");
    expect(stream.body).toBe("chunk1\nchunk2\nchunk3\n");
    const samples = await app.scrape();
    expect(sizes(samples, "http_response_size_bytes")).toEqual([
      ["/claims/:id", "GET", 1, Buffer.byteLength(claim.body)],
      ["/stream", "GET", 1, 21],
      ["/claims/:id", "HEAD", 1, 0],
      ["/empty", "GET", 1, 0],
    ]);
    expect(
      select(samples, "http_response_size_bytes_bucket", { endpoint: "/stream" }).map((s) => [
        s.labels.le,
        s.value,
      ]),
    ).toEqual([
      ["10", 0],
      ["100", 1],
      ["+Inf", 1],
    ]);
  });

  it("responseSize counts what was written before the client went away", async () => {
    const app = await startApp(framework, { responseSize: true });
    await abortRequest(app.port, "/stream", "first-chunk");
    await eventually(
      async () =>
        select(await app.scrape(), "http_response_size_bytes_count", { endpoint: "/stream" })
          .length > 0,
    );
    const sum = valueOf(await app.scrape(), "http_response_size_bytes_sum", {
      endpoint: "/stream",
    });
    expect([7, 14]).toContain(sum); // the first chunk, perhaps the second before the close arrived
  });
});

describe.each(FRAMEWORKS)("durationSummary on %s", (framework) => {
  it("adds http_request_duration_summary_seconds with the default quantiles", async () => {
    const app = await startApp(framework, { durationSummary: true });
    for (let i = 0; i < 4; i++) await send(app.port, "/claims/1");
    const samples = await app.scrape();
    const where = { method: "GET", endpoint: "/claims/:id" };
    expect(
      select(samples, "http_request_duration_summary_seconds", where).map((s) => s.labels.quantile),
    ).toEqual(["0.5", "0.9", "0.95", "0.99"]);
    expect(valueOf(samples, "http_request_duration_summary_seconds_count", where)).toBe(4);
    const sum = valueOf(samples, "http_request_duration_summary_seconds_sum", where);
    expect(sum).toBeCloseTo(valueOf(samples, "http_request_duration_seconds_sum", where), 9);
    expect(sum).toBeGreaterThan(0);
  });

  it("takes custom percentiles and a window", async () => {
    const app = await startApp(framework, {
      durationSummary: { percentiles: [0.5, 0.999], maxAgeSeconds: 60, ageBuckets: 3 },
    });
    await send(app.port, "/claims/1");
    expect(
      select(await app.scrape(), "http_request_duration_summary_seconds").map(
        (s) => s.labels.quantile,
      ),
    ).toEqual(["0.5", "0.999"]);
  });
});

describe("sizes and summary – setup", () => {
  it("can be set up twice on one registry, and conflicts name both shapes", async () => {
    const registry = new Registry();
    const app = fastify5();
    await app.register(metricsPlugin, { registry, durationSummary: true, responseSize: true });
    metricsMiddleware({ registry, durationSummary: true, responseSize: true });
    expect(() =>
      metricsMiddleware({ registry, durationSummary: true, responseSize: true }),
    ).not.toThrow();
    expect(() => metricsMiddleware({ registry, durationSummary: { percentiles: [0.5] } })).toThrow(
      'the registry already has a metric named "http_request_duration_summary_seconds" that is a summary with labels [method, endpoint], percentiles [0.5, 0.9, 0.95, 0.99]; this package needs a summary with labels [method, endpoint], percentiles [0.5]',
    );
    await app.close();
  });

  it("rejects invalid options, naming them", () => {
    expect(() => metricsMiddleware({ requestSize: "yes" as never })).toThrow(
      "requestSize must be a boolean",
    );
    expect(() => metricsMiddleware({ sizeBuckets: [100, 10] })).toThrow(
      "@crisislen/observability: sizeBuckets must be a non-empty array of finite positive numbers in increasing order, got [100, 10]",
    );
    expect(() => metricsMiddleware({ durationSummary: { percentiles: [0.5, 1.5] } })).toThrow(
      "durationSummary.percentiles must be a non-empty array of numbers in (0, 1], got [0.5, 1.5]",
    );
    expect(() => metricsMiddleware({ durationSummary: { maxAgeSeconds: 0 } })).toThrow(
      "durationSummary.maxAgeSeconds must be a finite number > 0, got 0",
    );
    expect(() => metricsMiddleware({ durationSummary: { ageBuckets: 0 } })).toThrow(
      "durationSummary.ageBuckets must be a whole number from 1 to 1000, got 0",
    );
    expect(() => metricsMiddleware({ durationSummary: "p99" as never })).toThrow(
      'durationSummary must be a boolean or an object, got "p99"',
    );
  });
});

describe("response size – the default path installs nothing per request", () => {
  it("leaves res.write and res.end untouched without responseSize, wraps them with it", async () => {
    const seen: boolean[] = [];
    for (const responseSize of [false, true]) {
      const app = fastify5();
      await app.register(metricsPlugin, { responseSize, defaultMetrics: false });
      app.get("/", async (_req, reply) => {
        seen.push(Object.hasOwn(reply.raw, "write") || Object.hasOwn(reply.raw, "end"));
        return "ok";
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      await send((app.server.address() as { port: number }).port, "/");
      await app.close();
    }
    expect(seen).toEqual([false, true]);
    expect(http.ServerResponse.prototype.write.name).toBe("write");
  });
});
