import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { Registry } from "prom-client";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { getMetrics } from "../../src/metrics/crisislen-metrics.js";
import { resetLogRateLimit } from "../../src/kernel/logger.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";
import { promtoolValid } from "../reliability/support.js";
import { captureLogs, closeAll, FRAMEWORKS, send, startApp } from "./support.js";

beforeEach(() => resetLogRateLimit());
afterEach(closeAll);

const tenant = (req: { headers: Record<string, string | string[] | undefined> }) =>
  String(req.headers["x-tenant"] ?? "none");

describe.each(FRAMEWORKS)("extraLabels on %s", (framework) => {
  it("adds each extra label after the built-in ones on the counter and the duration histogram", async () => {
    const app = await startApp(framework, { extraLabels: { tenant } });
    await send(app.port, "/claims/1", { headers: { "x-tenant": "acme" } });
    await send(app.port, "/claims/2", { headers: { "x-tenant": "acme" } });
    await send(app.port, "/claims/3", { headers: { "x-tenant": "globex" } });
    await send(app.port, "/claims/4");
    const samples = await app.scrape();
    expect(select(samples, "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200", tenant: "acme" },
        value: 2,
      },
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200", tenant: "globex" },
        value: 1,
      },
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200", tenant: "none" },
        value: 1,
      },
    ]);
    expect(
      select(samples, "http_request_duration_seconds_count").map((sample) => [
        sample.labels,
        sample.value,
      ]),
    ).toEqual([
      [{ method: "GET", endpoint: "/claims/:id", tenant: "acme" }, 2],
      [{ method: "GET", endpoint: "/claims/:id", tenant: "globex" }, 1],
      [{ method: "GET", endpoint: "/claims/:id", tenant: "none" }, 1],
    ]);
    expect(
      select(samples, "http_request_duration_seconds_bucket", { tenant: "acme", le: "+Inf" }),
    ).toHaveLength(1);
  });

  it("folds values past maxLabelValues into __other__ and warns once", async () => {
    let logs: string[] = [];
    const app = await startApp(framework, { extraLabels: { tenant }, maxLabelValues: 2 });
    logs = await captureLogs(async () => {
      for (const name of ["a", "b", "c", "d", "a", "e"]) {
        await send(app.port, "/claims/1", { headers: { "x-tenant": name } });
      }
    });
    const counts = select(await app.scrape(), "http_requests_total").map((sample) => [
      sample.labels.tenant,
      sample.value,
    ]);
    expect(counts).toEqual([
      ["a", 2],
      ["b", 1],
      ["__other__", 3],
    ]);
    expect(logs).toEqual([
      '@crisislen/observability: extra label "tenant" reached maxLabelValues (2); further values are recorded as "__other__"',
    ]);
  });

  it("records __error__ when a label function throws, logs once, and leaves the response alone", async () => {
    const app = await startApp(framework, {
      extraLabels: {
        tenant,
        broken: () => {
          throw new Error("no tenant header parser");
        },
      },
    });
    let replies: Array<{ status: number; body: string }> = [];
    const logs = await captureLogs(async () => {
      replies = [await send(app.port, "/claims/7"), await send(app.port, "/claims/8")];
    });
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expect(JSON.parse(replies[0]!.body)).toEqual({ id: "7" });
    expect(
      valueOf(await app.scrape(), "http_requests_total", { tenant: "none", broken: "__error__" }),
    ).toBe(2);
    expect(logs).toEqual([
      '@crisislen/observability: extraLabels.broken threw; recording "__error__" (Error: no tenant header parser)',
    ]);
  });

  it("turns numbers and booleans into text, null into the empty value, objects into __error__", async () => {
    const app = await startApp(framework, {
      extraLabels: {
        n: () => 42 as unknown as string,
        b: () => true as unknown as string,
        e: () => null as unknown as string,
        o: () => ({}) as unknown as string,
      },
    });
    const logs = await captureLogs(async () => void (await send(app.port, "/claims/1")));
    expect(select(await app.scrape(), "http_requests_total")[0]!.labels).toEqual({
      method: "GET",
      endpoint: "/claims/:id",
      status: "200",
      n: "42",
      b: "true",
      e: "",
      o: "__error__",
    });
    expect(logs).toEqual([
      '@crisislen/observability: extraLabels.o returned object, not a string; recording "__error__"',
    ]);
  });
});

describe("extraLabels – framework objects", () => {
  it("Fastify label functions get Fastify's request and reply", async () => {
    const app = await startApp("fastify5", {
      extraLabels: {
        plan: ((request: { query: { plan?: string } }) => request.query.plan ?? "free") as never,
        route: ((_request: unknown, reply: { statusCode: number; elapsedTime: number }) =>
          typeof reply.elapsedTime === "number" ? "reply" : "raw") as never,
      },
    });
    await send(app.port, "/claims/1?plan=gold");
    expect(
      valueOf(await app.scrape(), "http_requests_total", { plan: "gold", route: "reply" }),
    ).toBe(1);
  });

  it("Express label functions get Express's req and res", async () => {
    const app = await startApp("express5", {
      extraLabels: {
        plan: ((req: { query: { plan?: string } }) => req.query.plan ?? "free") as never,
      },
    });
    await send(app.port, "/claims/1?plan=gold");
    expect(valueOf(await app.scrape(), "http_requests_total", { plan: "gold" })).toBe(1);
  });
});

describe.each(FRAMEWORKS)(
  "extraLabels values that contain U+0001 on %s (issue #15, bug 3)",
  (framework) => {
    const fromQuery = (name: string) => (req: { url?: string }) =>
      new URL(req.url ?? "/", "http://x").searchParams.get(name) ?? "";

    it("(a\\u0001, b) and (a, \\u0001b) stay two series, and the exposition stays valid", async () => {
      const app = await startApp(framework, {
        extraLabels: { x: fromQuery("x"), y: fromQuery("y") } as never,
      });
      await send(app.port, "/claims/1?x=a%01&y=b");
      await send(app.port, "/claims/2?x=a&y=%01b");
      await send(app.port, "/claims/3?x=a&y=%01b");
      const text = await app.scrapeText();
      const samples = parseExposition(text);
      expect(
        select(samples, "http_requests_total").map((sample) => [
          sample.labels.x,
          sample.labels.y,
          sample.value,
        ]),
      ).toEqual([
        ["a\u0001", "b", 1],
        ["a", "\u0001b", 2],
      ]);
      expect(
        select(samples, "http_request_duration_seconds_count").map((sample) => sample.value),
      ).toEqual([1, 2]);
      expect(await promtoolValid(text)).toEqual([]);
    });
  },
);

describe("extraLabels – validation at setup", () => {
  const cases: Array<[string, unknown, string]> = [
    [
      "a reserved name",
      { status: () => "x" },
      `extraLabels name "status" must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than method, endpoint, status, le, quantile, got "status"`,
    ],
    [
      "le",
      { le: () => "x" },
      `extraLabels name "le" must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than method, endpoint, status, le, quantile, got "le"`,
    ],
    [
      "an invalid name",
      { "team-name": () => "x" },
      `extraLabels name "team-name" must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than method, endpoint, status, le, quantile, got "team-name"`,
    ],
    [
      "a name starting with __",
      { __tenant: () => "x" },
      `extraLabels name "__tenant" must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than method, endpoint, status, le, quantile, got "__tenant"`,
    ],
    [
      "a value that is not a function",
      { tenant: "acme" },
      'extraLabels.tenant must be a function, got "acme"',
    ],
    ["an array", [() => "x"], "extraLabels must be an object of functions, got [a function]"],
  ];
  it.each(cases)("rejects %s in Express and Fastify", async (_what, extraLabels, message) => {
    expect(() => metricsMiddleware({ extraLabels: extraLabels as never })).toThrow(TypeError);
    expect(() => metricsMiddleware({ extraLabels: extraLabels as never })).toThrow(message);
    const app = fastify5();
    await expect(
      app.register(metricsPlugin, { extraLabels: extraLabels as never }),
    ).rejects.toThrow(message);
    await app.close();
  });

  it("rejects maxLabelValues that is not an integer ≥ 1", () => {
    expect(() => metricsMiddleware({ maxLabelValues: 0 })).toThrow(
      "@crisislen/observability: maxLabelValues must be a whole number from 1 to 1000000, got 0",
    );
    expect(() => metricsMiddleware({ maxLabelValues: 2.5 })).toThrow(RangeError);
    expect(() => metricsMiddleware({ maxLabelValues: "10" as never })).toThrow(
      'maxLabelValues must be a whole number from 1 to 1000000, got "10"',
    );
  });

  it("refuses, naming both shapes, to record into a registry whose metrics have other labels", async () => {
    const registry = new Registry();
    metricsMiddleware({ registry, extraLabels: { tenant: () => "a" }, defaultMetrics: false });
    expect(() => metricsMiddleware({ registry, defaultMetrics: false })).toThrow(
      'the registry already has a metric named "http_requests_total" that is a counter with labels [method, endpoint, status, tenant]; this package needs a counter with labels [method, endpoint, status]',
    );
    // The same labels again are fine (a second app, a hot reload).
    expect(() =>
      metricsMiddleware({ registry, extraLabels: { tenant: () => "b" }, defaultMetrics: false }),
    ).not.toThrow();
  });

  it("lets a plain getMetrics() reuse the metrics with their extra labels", () => {
    const registry = new Registry();
    const middlewareMetrics = getMetrics({ registry, extraLabelNames: ["tenant"] });
    metricsMiddleware({ registry, extraLabels: { tenant: () => "a" }, defaultMetrics: false });
    expect(getMetrics({ registry }).httpRequests).toBe(middlewareMetrics.httpRequests);
    expect(getMetrics({ registry }).httpRequests.labelNames).toEqual([
      "method",
      "endpoint",
      "status",
      "tenant",
    ]);
  });
});
