import { afterEach, describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { abortRequest, eventually } from "../support/http-client.js";
import { select } from "../support/exposition.js";
import type { Sample } from "../support/exposition.js";
import { closeAll, FRAMEWORKS, send, startApp } from "./support.js";

afterEach(closeAll);

const inFlight = (samples: Sample[]) =>
  select(samples, "http_requests_in_flight").map((sample) => [sample.labels, sample.value]);

describe.each(FRAMEWORKS)("inFlight on %s", (framework) => {
  const fastify = framework.startsWith("fastify");
  const slowLabels = fastify ? { method: "GET", endpoint: "/slow" } : { method: "GET" };

  it("is not registered unless enabled", async () => {
    const app = await startApp(framework);
    await send(app.port, "/claims/1");
    expect(select(await app.scrape(), "http_requests_in_flight")).toEqual([]);
  });

  it("counts requests while they run, not the scrape itself, and returns to 0", async () => {
    const app = await startApp(framework, { inFlight: true });
    const pending = [send(app.port, "/slow"), send(app.port, "/slow")];
    await eventually(async () =>
      select(await app.scrape(), "http_requests_in_flight").some((s) => s.value === 2),
    );
    expect(inFlight(await app.scrape())).toEqual([[slowLabels, 2]]);
    await Promise.all(pending);
    await eventually(async () =>
      select(await app.scrape(), "http_requests_in_flight").every((s) => s.value === 0),
    );
    expect(inFlight(await app.scrape())).toEqual([[slowLabels, 0]]);
  });

  it("returns to 0 after aborted requests, aborted streams, errors and 404s", async () => {
    const app = await startApp(framework, { inFlight: true });
    await Promise.all([
      abortRequest(app.port, "/slow", { afterMs: 50 }),
      abortRequest(app.port, "/slow", { afterMs: 80 }),
      abortRequest(app.port, "/stream", "first-chunk"),
      send(app.port, "/fail"),
      send(app.port, "/nowhere"),
      send(app.port, "/claims/1"),
    ]);
    await eventually(async () => {
      const samples = select(await app.scrape(), "http_requests_in_flight");
      return samples.length > 0 && samples.every((sample) => sample.value === 0);
    });
    const values = inFlight(await app.scrape());
    expect(values.every(([, value]) => value === 0)).toBe(true);
    if (fastify) {
      expect(values.map(([labels]) => (labels as Record<string, string>).endpoint).sort()).toEqual([
        "/claims/:id",
        "/fail",
        "/slow",
        "/stream",
        "__unmatched__",
      ]);
    } else {
      expect(values).toEqual([[{ method: "GET" }, 0]]);
    }
    // The aborted requests were still counted, as 499.
    expect(
      select(await app.scrape(), "http_requests_total", { endpoint: "/slow", status: "499" })[0]
        ?.value,
    ).toBe(2);
  });

  it("does not count excluded methods", async () => {
    const app = await startApp(framework, { inFlight: true, excludeMethods: ["GET"] });
    await send(app.port, "/claims", { method: "POST" });
    expect(inFlight(await app.scrape()).map(([labels]) => labels)).toEqual([
      fastify ? { method: "POST", endpoint: "/claims" } : { method: "POST" },
    ]);
  });
});

describe("inFlight – validation", () => {
  it("rejects a value that is not a boolean", () => {
    expect(() => metricsMiddleware({ inFlight: "on" as never })).toThrow(
      '@crisislen/observability: inFlight must be a boolean, got "on"',
    );
  });
});
