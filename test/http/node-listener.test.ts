/**
 * Plain `node:http`: `metricsListener(listener, { routes })` records every request of a server
 * labelled with the route template it matches (static segments before `:params` before a
 * trailing `*`, query ignored, unknown paths `__unmatched__`), and `metricsHandler()` serves the
 * five metrics from the very first scrape.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { metricsListener } from "../../src/http/node-listener.js";
import { compileRoutes } from "../../src/http/route-matcher.js";
import { metricsHandler } from "../../src/exposition/handler.js";
import {
  abortAfterArrival,
  close,
  eventually,
  heldRoute,
  listen,
  request,
} from "../support/http-client.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";
import { captureWarnings } from "../tracing/helpers.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

const ROUTES = ["/claims", "/claims/new", "/claims/:id", "/claims/:id/notes/:noteId", "/static/*"];

async function start(options: Partial<Parameters<typeof metricsListener>[1]> = {}) {
  const registry = new Registry();
  const exposition = metricsHandler({ registry });
  const slow = heldRoute("late");
  const app = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/metrics") return exposition(req, res);
    if (req.url === "/slow") return void slow.handle().then((body) => res.end(body));
    if (req.url === "/fail") {
      res.statusCode = 500;
      return void res.end("boom");
    }
    res.end("ok");
  };
  const server = createServer(
    metricsListener(app, { routes: ROUTES, registry, defaultMetrics: false, ...options }),
  );
  servers.push(server);
  const port = await listen(server);
  const scrape = async () => parseExposition((await request(port, "/metrics")).body);
  return { port, scrape, registry, slow };
}

const counts = (samples: ReturnType<typeof parseExposition>) =>
  select(samples, "http_requests_total").map((s) => [
    s.labels.method,
    s.labels.endpoint,
    s.labels.status,
    s.value,
  ]);

describe("metricsListener – plain node:http", () => {
  it("labels requests with the matching template, the method and the status", async () => {
    const { port, scrape } = await start();
    await request(port, "/claims");
    await request(port, "/claims/7?token=secret");
    await request(port, "/claims/8/");
    await request(port, "/claims/new");
    await request(port, "/claims/7/notes/3", { method: "POST" });
    await request(port, "/static/css/site.css");
    await request(port, "/unknown/path");
    await request(port, "/fail");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 7);
    expect(counts(await scrape())).toEqual([
      ["GET", "/claims", "200", 1],
      ["GET", "/claims/:id", "200", 2],
      ["GET", "/claims/new", "200", 1],
      ["POST", "/claims/:id/notes/:noteId", "200", 1],
      ["GET", "/static/*", "200", 1],
      ["GET", "__unmatched__", "200", 1],
      ["GET", "__unmatched__", "500", 1],
    ]);
    // The exposition does not count itself.
    expect((await scrape()).some((s) => s.labels.endpoint === "/metrics")).toBe(false);
  });

  it("counts a client that went away as 499", async () => {
    const { port, scrape, slow } = await start({ routes: ["/slow"] });
    onTestFinished(() => slow.release());
    await abortAfterArrival(port, "/slow", slow.started, 20);
    await eventually(async () => select(await scrape(), "http_requests_total").length === 1);
    expect(counts(await scrape())).toEqual([["GET", "/slow", "499", 1]]);
  });

  it("takes a function for the route, exclusions and the in-flight gauge", async () => {
    const { port, scrape } = await start({
      routes: (req) => (req.url?.startsWith("/claims/") ? "/claims/:id" : undefined),
      excludeRoutes: ["__unmatched__"],
      excludeMethods: ["HEAD"],
      inFlight: true,
    });
    await request(port, "/claims/1");
    await request(port, "/claims/2", { method: "HEAD" });
    await request(port, "/elsewhere");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 1);
    const samples = await scrape();
    expect(counts(samples)).toEqual([["GET", "/claims/:id", "200", 1]]);
    expect(
      valueOf(samples, "http_requests_in_flight", { method: "GET", endpoint: "/claims/:id" }),
    ).toBe(0);
  });

  it("a route function that throws counts the request as __unmatched__, logged", async () => {
    const warnings = captureWarnings();
    onTestFinished(() => warnings.restore());
    const { port, scrape } = await start({
      routes: () => {
        throw new Error("router bug");
      },
    });
    expect((await request(port, "/claims/1")).body).toBe("ok");
    await eventually(async () => select(await scrape(), "http_requests_total").length === 1);
    expect(counts(await scrape())).toEqual([["GET", "__unmatched__", "200", 1]]);
    expect(warnings.lines).toEqual([
      "@crisislen/observability: the routes function threw; the request is __unmatched__ (Error: router bug)",
    ]);
  });

  it.each([
    [{}, "routes must be an array of route templates or a function, got undefined"],
    [
      { routes: "/claims" },
      'routes must be an array of route templates or a function, got "/claims"',
    ],
    [
      { routes: ["claims"] },
      'routes[0] must be a route template starting with "/" (like "/claims/:id"), got "claims"',
    ],
    [
      { routes: ["/a/*/b"] },
      'routes[0] must be a template with "*" only as its last segment, got "/a/*/b"',
    ],
    [
      { routes: ["/a/:"] },
      'routes[0] must be a template whose parameters have names (":id"), got "/a/:"',
    ],
    [
      { routes: ["/a"], durationBucket: [1] },
      'metricsListener has no option "durationBucket"; did you mean "durationBuckets"?',
    ],
    [{ routes: ["/a?b=1"] }, 'routes[0] must be a path without a query or fragment, got "/a?b=1"'],
    [{ routes: [42] }, "routes[0] must be a route template string, got 42"],
  ])("rejects %j: %s", (options, message) => {
    expect(() => metricsListener(() => undefined, options as never)).toThrow(
      `@crisislen/observability: ${message}`,
    );
  });

  it("rejects a listener that is not a function", () => {
    expect(() => metricsListener("app" as never, { routes: ["/"] })).toThrow(
      new TypeError(
        '@crisislen/observability: metricsListener listener must be a request listener function, got "app"',
      ),
    );
  });
});

describe("compileRoutes", () => {
  const match = compileRoutes(["/", "/a", "/a/:x", "/a/b", "/a/:x/c", "/a/b/*", "/files/*"]);
  it.each([
    ["/", "/"],
    ["", undefined],
    ["/a", "/a"],
    ["/a/", "/a"],
    ["/a/z", "/a/:x"],
    ["/a/b", "/a/b"],
    ["/a/b/c", "/a/b/*"], // a static segment first, as find-my-way: /a/b/* before /a/:x/c
    ["/a/b/x/y", "/a/b/*"],
    ["/a/z/c", "/a/:x/c"],
    ["/a/z/d", undefined],
    ["/a//c", undefined],
    ["/files", "/files/*"],
    ["/files/x/y/z", "/files/*"],
    ["/a/z?q=1#f", "/a/:x"],
    ["http://example.com/a/z?x", "/a/:x"],
    ["*", undefined],
    ["/b", undefined],
  ])("%s → %s", (path, template) => {
    expect(match(path)).toBe(template);
  });
});

describe("metricsHandler on plain node:http", () => {
  it("serves the five metrics from the first scrape", async () => {
    const registry = new Registry();
    const server = createServer(metricsHandler({ registry }));
    servers.push(server);
    const port = await listen(server);
    const first = await request(port, "/metrics");
    expect(first.status).toBe(200);
    const families = first.body.split("\n").filter((line) => line.startsWith("# TYPE"));
    expect(families).toEqual([
      "# TYPE http_requests_total counter",
      "# TYPE http_request_duration_seconds histogram",
      "# TYPE crisislen_items_processed_total counter",
      "# TYPE crisislen_workflows_active gauge",
      "# TYPE crisislen_risk_score histogram",
    ]);
    expect(first.body).toContain("crisislen_items_processed_total 0\n");
    expect(first.body).toContain('crisislen_risk_score_bucket{le="0.1"} 0\n');
  });
});
