import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fastify from "fastify";
import { collectDefaultMetrics, Registry, type OpenMetricsContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { getMetrics, ownMetrics } from "../../src/metrics/crisislen-metrics.js";
import { createExposition } from "../../src/exposition/handler.js";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { wantsOpenMetrics } from "../../src/exposition/negotiate.js";
import { parseExposition, valueOf } from "../support/exposition.js";

const run = promisify(execFile);

async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  const child = execFile("promtool", ["check", "metrics"], { timeout: 20_000 });
  let output = "";
  child.stdout?.on("data", (chunk: string) => (output += chunk));
  child.stderr?.on("data", (chunk: string) => (output += chunk));
  child.stdin?.end(text);
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  return { code, output };
}

async function populated(): Promise<Registry> {
  const registry = new Registry();
  const metrics = ownMetrics(registry, undefined, undefined);
  metrics.httpRequests.inc({ method: "GET", endpoint: "/claims/:id", status: "200" });
  metrics.httpRequestDuration
    .series(["GET", "/claims/:id"])
    .observe(0.042, { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" });
  metrics.countItems(3);
  metrics.recordRiskScore(0.85);
  metrics.workflowsActive.set(2);
  return registry;
}

describe("the exposition", () => {
  it("passes promtool check metrics in the Prometheus text format", async () => {
    await run("promtool", ["--version"]).catch(() => {
      throw new Error("promtool is missing: run `bash scripts/ensure-tools.sh`");
    });
    const text = await renderRegistry(await populated(), false);
    const result = await promtoolCheck(text);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("passes promtool with prom-client's default metrics, but for prom-client's own three gauge names", async () => {
    const registry = await populated();
    collectDefaultMetrics({ register: registry });
    const result = await promtoolCheck(await renderRegistry(registry, false));
    // prom-client names three gauges *_total (upstream naming that dashboards rely on); promtool's
    // linter flags exactly those and nothing of ours.
    expect(result.output.trim().split("\n").sort()).toEqual([
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
  });

  it("renders the same text as prom-client's registry.metrics() for prom-client's own metrics", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const ours = parseExposition(await renderRegistry(registry, false)).map((s) => s.name);
    const theirs = parseExposition(await registry.metrics()).map((s) => s.name);
    expect(ours).toEqual(theirs);
  });

  it("renders OpenMetrics with counter families, exemplars and # EOF", async () => {
    const text = await renderRegistry(await populated(), true);
    expect(text).toContain("# TYPE http_requests counter\n");
    expect(text).toContain(
      'http_requests_total{method="GET",endpoint="/claims/:id",status="200"} 1\n',
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{method="GET",endpoint="\/claims\/:id",le="0.05"\} 1 # \{trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"\} 0.042 \d+(\.\d+)?\n/,
    );
    expect(text.endsWith("# EOF\n")).toBe(true);
    const plain = await renderRegistry(await populated(), false);
    expect(plain).not.toContain("trace_id");
    expect(plain).not.toContain("# EOF");
  });

  it.each([
    ["application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5", true],
    ["application/openmetrics-text;q=0", false],
    ["text/plain", false],
    [undefined, false],
    [";;;,,,application/x", false],
    ["x".repeat(5000) + ",application/openmetrics-text", false],
  ])("negotiates OpenMetrics for Accept header #%$ → %s", (accept, expected) => {
    expect(wantsOpenMetrics(accept)).toBe(expected);
  });

  it("guards with a bearer token: 401 without it or with a wrong one, 200 with it", async () => {
    const render = createExposition({ registry: await populated(), token: "s3cret" });
    expect((await render("GET", {})).status).toBe(401);
    expect((await render("GET", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await render("GET", { authorization: "Bearer s3cret-longer" })).status).toBe(401);
    const ok = await render("GET", { authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
    expect(valueOf(parseExposition(ok.body), "crisislen_items_processed_total")).toBe(3);
    expect(() => createExposition({ token: "" })).toThrow(
      'token must be a non-empty string, got ""',
    );
  });

  it("answers 500 and logs when a collector throws, without throwing", async () => {
    const registry = new Registry();
    getMetrics({ registry });
    registry.registerMetric({
      name: "broken",
      help: "x",
      type: "gauge",
      get: () => {
        throw new Error("collector failed");
      },
    } as never);
    const response = await createExposition({ registry })("GET", {});
    expect(response.status).toBe(500);
  });

  it("serves OpenMetrics from the Fastify route when the scraper asks for it", async () => {
    const registry = await populated();
    const app = fastify();
    await app.register(metricsPlugin, { registry, token: "t0k" });
    const denied = await app.inject({ url: "/metrics" });
    expect(denied.statusCode).toBe(401);
    const res = await app.inject({
      url: "/metrics",
      headers: {
        accept: "application/openmetrics-text; version=1.0.0",
        authorization: "Bearer t0k",
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    expect(res.body.endsWith("# EOF\n")).toBe(true);
    await app.close();
  });

  it("accepts a prom-client registry created for OpenMetrics and still answers both formats", async () => {
    // prom-client's typings omit the constructor argument it takes at run time.
    const registry = new (
      Registry as unknown as new (type: string) => Registry<OpenMetricsContentType>
    )(Registry.OPENMETRICS_CONTENT_TYPE);
    const app = fastify();
    await app.register(metricsPlugin, { registry, defaultMetrics: false });
    app.get("/x", async () => "x");
    await app.inject({ url: "/x" });
    const text = await app.inject({ url: "/metrics" });
    expect(text.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(valueOf(parseExposition(text.body), "http_requests_total", { endpoint: "/x" })).toBe(1);
    const om = await app.inject({
      url: "/metrics",
      headers: { accept: "application/openmetrics-text" },
    });
    expect(om.body).toContain('http_requests_total{method="GET",endpoint="/x",status="200"} 1\n');
    await app.close();
  });
});
