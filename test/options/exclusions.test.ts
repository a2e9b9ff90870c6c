import { afterEach, describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { select } from "../support/exposition.js";
import { closeAll, FRAMEWORKS, send, startApp } from "./support.js";

afterEach(closeAll);

/** A RegExp that counts how often it is tested. */
class CountingRegExp extends RegExp {
  calls = 0;
  override test(value: string): boolean {
    this.calls++;
    return super.test(value);
  }
}

const counted = async (app: Awaited<ReturnType<typeof startApp>>) =>
  select(await app.scrape(), "http_requests_total").map((sample) => [
    sample.labels.method,
    sample.labels.endpoint,
    sample.labels.status,
    sample.value,
  ]);

describe.each(FRAMEWORKS)("exclusions on %s", (framework) => {
  it("leaves out routes matching excludeRoutes: exact templates and RegExps", async () => {
    const app = await startApp(framework, {
      excludeRoutes: ["/health", /^\/internal\//, "__unmatched__"],
    });
    await send(app.port, "/health");
    await send(app.port, "/internal/a");
    await send(app.port, "/internal/b");
    await send(app.port, "/nowhere");
    await send(app.port, "/claims/1");
    expect(await counted(app)).toEqual([["GET", "/claims/:id", "200", 1]]);
    expect(select(await app.scrape(), "http_request_duration_seconds_count")).toHaveLength(1);
  });

  it("matches each route template once, not once per request", async () => {
    const pattern = new CountingRegExp("^/internal/", "g");
    const app = await startApp(framework, { excludeRoutes: [pattern] });
    for (let i = 0; i < 5; i++) await send(app.port, `/internal/${i}`);
    for (let i = 0; i < 5; i++) await send(app.port, `/claims/${i}`);
    expect(pattern.calls).toBe(2); // "/internal/:name" and "/claims/:id"
    expect(await counted(app)).toEqual([["GET", "/claims/:id", "200", 5]]);
  });

  it("leaves out methods in excludeMethods, case-insensitively", async () => {
    const app = await startApp(framework, { excludeMethods: ["options", "HEAD"] });
    await send(app.port, "/claims/1", { method: "OPTIONS" });
    await send(app.port, "/claims/1", { method: "HEAD" });
    await send(app.port, "/claims/1");
    await send(app.port, "/claims", { method: "POST" });
    expect(await counted(app)).toEqual([
      ["GET", "/claims/:id", "200", 1],
      ["POST", "/claims", "201", 1],
    ]);
  });
});

describe("exclusions – per-route opt-out still applies", () => {
  it("Fastify: config.metrics false and excludeRoutes together", async () => {
    const app = fastify5();
    await app.register(metricsPlugin, { excludeRoutes: ["/a"], defaultMetrics: false });
    app.get("/a", async () => "a");
    app.get("/b", { config: { metrics: false } }, async () => "b");
    app.get("/c", async () => "c");
    for (const url of ["/a", "/b", "/c"]) await app.inject({ url });
    const body = (await app.inject({ url: "/metrics" })).body;
    expect(body).toContain('http_requests_total{method="GET",endpoint="/c",status="200"} 1');
    expect(body).not.toContain('endpoint="/a"');
    expect(body).not.toContain('endpoint="/b"');
    await app.close();
  });
});

describe("exclusions – validation at setup", () => {
  it("rejects excludeRoutes that is not an array of strings and RegExps", async () => {
    expect(() => metricsMiddleware({ excludeRoutes: "/health" as never })).toThrow(
      '@crisislen/observability: excludeRoutes must be an array of non-empty strings and RegExps, got "/health"',
    );
    expect(() => metricsMiddleware({ excludeRoutes: ["/a", 3 as never] })).toThrow(
      'excludeRoutes must be an array of non-empty strings and RegExps, got ["/a", 3]',
    );
    const app = fastify5();
    await expect(app.register(metricsPlugin, { excludeRoutes: [""] })).rejects.toThrow(
      'excludeRoutes must be an array of non-empty strings and RegExps, got [""]',
    );
    await app.close();
  });

  it("rejects excludeMethods entries that are not method names", () => {
    expect(() => metricsMiddleware({ excludeMethods: ["GET POST"] })).toThrow(
      '@crisislen/observability: excludeMethods must be an array of HTTP method names, got ["GET POST"]',
    );
    expect(() => metricsMiddleware({ excludeMethods: "GET" as never })).toThrow(TypeError);
  });
});
