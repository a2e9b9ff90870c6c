import { Readable } from "node:stream";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import {
  abortAfterArrival,
  abortRequest,
  eventually,
  heldRoute,
  request,
} from "../support/http-client.js";
import { parseExposition, select, seriesCount, valueOf } from "../support/exposition.js";

type Factory = typeof fastify5;
const versions: Array<[string, Factory]> = [
  ["Fastify 5", fastify5],
  ["Fastify 4", fastify4 as unknown as Factory],
];

describe.each(versions)("metricsPlugin on %s", (_name, Fastify) => {
  const apps: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function build(options: Parameters<typeof metricsPlugin>[1] = {}) {
    const registry = new Registry();
    const app = Fastify();
    apps.push(app);
    await app.register(metricsPlugin, { registry, ...options });
    app.get("/claims/:id", async (req) => ({ id: (req.params as { id: string }).id }));
    app.post("/claims", async (_req, reply) => reply.code(201).send({ ok: true }));
    app.get("/fail", async () => {
      throw new Error("boom");
    });
    app.get("/private", { config: { metrics: false } }, async () => "hidden");
    await app.register(
      async (v1) => {
        v1.get("/claims/:id/notes", async () => []);
      },
      { prefix: "/api/v1" },
    );
    const scrape = async () => {
      const res = await app.inject({ method: "GET", url: "/metrics" });
      return parseExposition(res.body);
    };
    return { app, registry, scrape };
  }

  it("labels requests with the route template, the method and the status", async () => {
    const { app, scrape } = await build();
    await app.inject({ method: "GET", url: "/claims/1" });
    await app.inject({ method: "GET", url: "/claims/2?token=secret" });
    await app.inject({ method: "POST", url: "/claims" });
    await app.inject({ method: "GET", url: "/fail" });
    const samples = await scrape();
    expect(select(samples, "http_requests_total")).toEqual([
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
    expect(
      valueOf(samples, "http_request_duration_seconds_count", {
        method: "GET",
        endpoint: "/claims/:id",
      }),
    ).toBe(2);
  });

  it("includes the registration prefix in the endpoint label", async () => {
    const { app, scrape } = await build();
    await app.inject({ method: "GET", url: "/api/v1/claims/9/notes" });
    expect(
      valueOf(await scrape(), "http_requests_total", { endpoint: "/api/v1/claims/:id/notes" }),
    ).toBe(1);
  });

  it("counts every unmatched request under one __unmatched__ series", async () => {
    const { app, scrape } = await build();
    for (let i = 0; i < 1000; i++)
      await app.inject({ method: "GET", url: `/scan/${i}/wp-admin.php?x=${i}` });
    for (let i = 0; i < 1000; i++) await app.inject({ method: "GET", url: `/claims/${i}` });
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
    expect(seriesCount(samples, "http_request_duration_seconds_bucket")).toBe(2 * 15);
  });

  it("folds methods outside the standard set into _OTHER", async () => {
    const { app, scrape } = await build();
    (app as unknown as { addHttpMethod?: (m: string) => void }).addHttpMethod?.("PROPFIND");
    app.route({ method: ["GET", "PROPFIND"] as never, url: "/dav", handler: async () => "ok" });
    await app.inject({ method: "PROPFIND" as never, url: "/dav" });
    await app.inject({ method: "GET", url: "/dav" });
    const samples = await scrape();
    expect(valueOf(samples, "http_requests_total", { endpoint: "/dav", method: "_OTHER" })).toBe(1);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/dav", method: "GET" })).toBe(1);
  });

  it("leaves out the exposition route and routes with config.metrics false", async () => {
    const { app, scrape } = await build();
    await app.inject({ method: "GET", url: "/private" });
    await scrape();
    await scrape();
    expect(select(await scrape(), "http_requests_total")).toEqual([]);
  });

  it("serves the exposition at a configurable path, or not at all", async () => {
    const custom = await build({ metricsPath: "/internal/metrics" });
    expect((await custom.app.inject({ url: "/internal/metrics" })).statusCode).toBe(200);
    expect((await custom.app.inject({ url: "/metrics" })).statusCode).toBe(404);
    const none = await build({ metricsPath: false });
    expect((await none.app.inject({ url: "/metrics" })).statusCode).toBe(404);
  });

  it("rejects invalid options at registration, naming them", async () => {
    const app = Fastify();
    apps.push(app);
    await expect(app.register(metricsPlugin, { metricsPath: "metrics" })).rejects.toThrow(
      'metricsPath must be a path starting with "/" without "?", "#" or whitespace, got "metrics"',
    );
    const other = Fastify();
    apps.push(other);
    await expect(other.register(metricsPlugin, { durationBuckets: [1, 0.5] })).rejects.toThrow(
      "durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [1, 0.5]",
    );
  });

  it("can be registered twice, and in two apps, without throwing or double counting", async () => {
    const registry = new Registry();
    const first = Fastify();
    const second = Fastify();
    apps.push(first, second);
    await first.register(metricsPlugin, { registry });
    await first.register(metricsPlugin, { registry });
    await second.register(metricsPlugin, { registry, metricsPath: false });
    first.get("/a", async () => "a");
    second.get("/b", async () => "b");
    await first.inject({ url: "/a" });
    await second.inject({ url: "/b" });
    const samples = parseExposition((await first.inject({ url: "/metrics" })).body);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/a" })).toBe(1);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/b" })).toBe(1);
  });

  it("warns, naming them, when a second registration brings options that cannot apply (issue #15, bug 8)", async () => {
    const registry = new Registry();
    const app = Fastify();
    apps.push(app);
    const lines: string[] = [];
    const previous = setLogger({ warn: (m) => lines.push(m), error: (m) => lines.push(m) });
    try {
      resetLogRateLimit();
      await app.register(metricsPlugin, { registry });
      await app.register(metricsPlugin, { registry }); // the same options: nothing to say
      expect(lines).toEqual([]);
      await app.register(
        async (child) => {
          await child.register(metricsPlugin, {
            registry,
            metricsPath: "/internal/metrics",
            extraLabels: { tenant: () => "acme" },
          });
        },
        { prefix: "/v2" },
      );
      await app.ready();
    } finally {
      setLogger(previous);
    }
    expect(lines).toEqual([
      "@crisislen/observability: metricsPlugin is already registered on this Fastify instance or a parent of it; these options of the second registration are ignored: metricsPath, extraLabels. Register the plugin once, with all its options, on the root instance.",
    ]);
    // What the warning says: the first registration's route and labels are the ones in use.
    expect((await app.inject({ url: "/v2/internal/metrics" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(200);
  });

  it("warns when the same instance registers it again with another path and buckets (issue #15, bug 8)", async () => {
    const registry = new Registry();
    const app = Fastify();
    apps.push(app);
    const lines: string[] = [];
    const previous = setLogger({ warn: (m) => lines.push(m), error: (m) => lines.push(m) });
    try {
      resetLogRateLimit();
      await app.register(metricsPlugin, { registry });
      await app.register(metricsPlugin, {
        registry,
        metricsPath: "/other-metrics",
        durationBuckets: [0.1, 1],
      });
      await app.ready();
    } finally {
      setLogger(previous);
    }
    expect(lines).toEqual([
      "@crisislen/observability: metricsPlugin is already registered on this Fastify instance or a parent of it; these options of the second registration are ignored: metricsPath, durationBuckets. Register the plugin once, with all its options, on the root instance.",
    ]);
    expect((await app.inject({ url: "/other-metrics" })).statusCode).toBe(404);
  });

  describe("on a real listening server", () => {
    async function listening() {
      const built = await build();
      const slow = heldRoute("late");
      built.app.get("/slow", slow.handle);
      built.app.get("/stream", (_req, reply) => {
        let sent = 0;
        const body = new Readable({
          read() {
            if (sent === 3) return this.push(null);
            sent++;
            setTimeout(() => this.push(`chunk${sent}\n`), 100);
          },
        });
        void reply.type("text/plain").send(body);
      });
      await built.app.listen({ port: 0, host: "127.0.0.1" });
      const port = (built.app.server.address() as { port: number }).port;
      return { ...built, port, slow };
    }

    it("counts a request whose client went away as 499, with the time until the abort", async () => {
      const { port, scrape, slow } = await listening();
      onTestFinished(() => slow.release());
      const at = await abortAfterArrival(port, "/slow", slow.started, 60);
      await eventually(
        async () => select(await scrape(), "http_requests_total", { endpoint: "/slow" }).length > 0,
      );
      const observedAt = performance.now();
      const first = await scrape();
      // The handler is still held: the duration can only run until the abort. It spans at least
      // from the handler's start to the client's going away, and at most from the request being
      // sent to the 499 being seen.
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

    it("counts a client going away mid-stream as 499", async () => {
      const { port, scrape } = await listening();
      await abortRequest(port, "/stream", "first-chunk");
      await eventually(
        async () =>
          select(await scrape(), "http_requests_total", { endpoint: "/stream" }).length > 0,
      );
      expect(
        valueOf(await scrape(), "http_requests_total", { endpoint: "/stream", status: "499" }),
      ).toBe(1);
    });

    it("measures a streamed body until its last byte", async () => {
      const { port, scrape } = await listening();
      const reply = await request(port, "/stream");
      expect(reply.body).toBe("chunk1\nchunk2\nchunk3\n");
      await eventually(
        async () =>
          select(await scrape(), "http_requests_total", { endpoint: "/stream" }).length > 0,
      );
      const samples = await scrape();
      expect(valueOf(samples, "http_requests_total", { endpoint: "/stream", status: "200" })).toBe(
        1,
      );
      expect(
        valueOf(samples, "http_request_duration_seconds_sum", { endpoint: "/stream" }),
      ).toBeGreaterThanOrEqual(0.29);
    });
  });
});
