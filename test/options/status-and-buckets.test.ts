import { afterEach, describe, expect, it } from "vitest";
import fastify5 from "fastify";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { abortRequest, eventually } from "../support/http-client.js";
import { select } from "../support/exposition.js";
import { closeAll, FRAMEWORKS, send, startApp } from "./support.js";

afterEach(closeAll);

describe.each(FRAMEWORKS)("groupStatusCodes and durationBuckets on %s", (framework) => {
  it("reports the status class on the counter when groupStatusCodes is on, 499 as 4xx", async () => {
    const app = await startApp(framework, { groupStatusCodes: true });
    await send(app.port, "/claims/1");
    await send(app.port, "/claims", { method: "POST" });
    await send(app.port, "/empty");
    await send(app.port, "/fail");
    await abortRequest(app.port, "/slow", { afterMs: 50 });
    await eventually(
      async () =>
        select(await app.scrape(), "http_requests_total", { endpoint: "/slow" }).length > 0,
    );
    const counts = select(await app.scrape(), "http_requests_total").map((sample) => [
      sample.labels.endpoint,
      sample.labels.status,
      sample.value,
    ]);
    expect(counts).toEqual([
      ["/claims/:id", "2xx", 1],
      ["/claims", "2xx", 1],
      ["/empty", "2xx", 1],
      ["/fail", "5xx", 1],
      ["/slow", "4xx", 1],
    ]);
  });

  it("keeps exact codes by default", async () => {
    const app = await startApp(framework);
    await send(app.port, "/empty");
    expect(select(await app.scrape(), "http_requests_total")[0]!.labels.status).toBe("204");
  });

  it("uses custom durationBuckets, together with the other options", async () => {
    const app = await startApp(framework, {
      durationBuckets: [0.1, 1],
      groupStatusCodes: true,
      inFlight: true,
      extraLabels: { tier: () => "gold" },
    });
    await send(app.port, "/claims/1");
    const buckets = select(await app.scrape(), "http_request_duration_seconds_bucket").map(
      (sample) => [sample.labels.le, sample.labels.tier, sample.value],
    );
    expect(buckets).toEqual([
      ["0.1", "gold", 1],
      ["1", "gold", 1],
      ["+Inf", "gold", 1],
    ]);
  });
});

describe("groupStatusCodes and durationBuckets – validation at setup", () => {
  it("rejects a groupStatusCodes that is not a boolean", async () => {
    expect(() => metricsMiddleware({ groupStatusCodes: "yes" as never })).toThrow(
      '@crisislen/observability: groupStatusCodes must be a boolean, got "yes"',
    );
    const app = fastify5();
    await expect(app.register(metricsPlugin, { groupStatusCodes: 1 as never })).rejects.toThrow(
      "groupStatusCodes must be a boolean, got 1",
    );
    await app.close();
  });

  it("rejects invalid durationBuckets in Express as in Fastify", () => {
    expect(() => metricsMiddleware({ durationBuckets: [0.5, 0.1] })).toThrow(
      "@crisislen/observability: durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [0.5, 0.1]",
    );
    expect(() => metricsMiddleware({ durationBuckets: [0, 1] })).toThrow(
      "durationBuckets must be a non-empty array of finite positive numbers in increasing order, got [0, 1]",
    );
    expect(() => metricsMiddleware({ durationBuckets: [] })).toThrow(
      "durationBuckets must be a non-empty array of finite positive numbers in increasing order, got []",
    );
  });
});
