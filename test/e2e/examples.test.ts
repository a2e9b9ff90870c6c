/**
 * Both claims examples as a user starts them (`node examples/<name>/server.mjs`, after the build):
 * every route answers, the metrics on the app port and on the metrics port hold exactly the
 * requests sent, the health routes and the exposition are not counted, the traces show the
 * decorated service method and the outbound fetch, and SIGTERM exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimScoring, claimsApiOf, type ClaimsApi } from "./support/claims-api.js";
import {
  assertDistBuilt,
  cleanEnv,
  startNode,
  stopAll,
  type RunningProcess,
} from "./support/processes.js";

beforeAll(() => assertDistBuilt());
afterAll(() => stopAll());

/** The value of the exposition line that starts with `series` followed by a space. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each([
  ["fastify-claims", "Fastify"],
  ["express-claims", "Express"],
])("examples/%s", (example, framework) => {
  let app: RunningProcess;
  let api: ClaimsApi;

  beforeAll(async () => {
    app = startNode(
      `examples/${example}/server.mjs`,
      [],
      cleanEnv({
        PORT: "0",
        METRICS_PORT: "0",
        OTEL_TRACES_EXPORTER: "console",
        SCORING_DELAY_MS: "20",
        REPORT_FAIL_EVERY: "3",
        SHUTDOWN_DRAIN_DELAY_MS: "0",
      }),
    );
    api = await claimsApiOf(app);
  }, 20_000);

  it(`starts with one command and says where everything is (${framework})`, () => {
    expect(app.output).toContain(`CrisisLens claims API (${framework}) listening on ${api.url}`);
    expect(app.output).toContain(`${api.url}/health/ready`);
    expect(app.output).toContain(`${api.metricsUrl} (metrics port)`);
  });

  it("answers every route: create, fetch, process, report (failing every 3rd call and on ?fail=1), 400 and 404", async () => {
    const created = await api.call("POST", "/claims", claimScoring(0.42, 3, "POL-7"));
    expect(created).toMatchObject({
      status: 201,
      body: { id: "1", total: 4200, status: "received" },
    });
    expect(await api.call("GET", "/claims/1")).toMatchObject({ status: 200, body: { id: "1" } });
    expect(await api.call("GET", "/claims/404")).toEqual({
      status: 404,
      body: { error: "no claim 404" },
    });
    expect(await api.call("POST", "/claims", { policyId: "POL-7", items: [] })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("items must be") },
    });
    expect(await api.call("POST", "/claims/1/process")).toMatchObject({
      status: 200,
      body: { status: "processed", riskScore: 0.42 },
    });
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push((await api.call("GET", "/claims/1/report")).status);
    expect(reports).toEqual([200, 200, 500]);
    expect(await api.call("GET", "/claims/1/report?fail=1")).toEqual({
      status: 500,
      body: { error: "internal error" },
    });
  });

  it("readiness checks the policy service; the health routes answer", async () => {
    expect(await api.call("GET", "/health/live")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await api.call("GET", "/health/ready")).toMatchObject({
      status: 200,
      body: { status: "ok", checks: { policyService: { status: "ok" } } },
    });
  });

  it("counts exactly those requests, on the app port and on the metrics port alike", async () => {
    const fromApp = await (await fetch(`${api.url}/metrics`)).text();
    const fromMetricsPort = await (await fetch(api.metricsUrl)).text();
    for (const exposition of [fromApp, fromMetricsPort]) {
      const requests = (endpoint: string, method: string, status: number) =>
        sample(
          exposition,
          `http_requests_total{method="${method}",endpoint="${endpoint}",status="${status}"}`,
        );
      expect(requests("/claims", "POST", 201)).toBe(1);
      expect(requests("/claims/:id", "GET", 200)).toBe(1);
      expect(requests("/claims/:id", "GET", 404)).toBe(1);
      expect(requests("/claims/:id/process", "POST", 200)).toBe(1);
      expect(requests("/claims/:id/report", "GET", 200)).toBe(2);
      expect(requests("/claims/:id/report", "GET", 500)).toBe(2);
      expect(exposition).not.toMatch(/endpoint="\/(health|metrics)/);
      expect(sample(exposition, "crisislen_items_processed_total")).toBe(3);
      expect(sample(exposition, "crisislen_risk_score_sum")).toBe(0.42);
      expect(sample(exposition, 'crisislen_risk_score_bucket{le="0.4"}')).toBe(0);
      expect(sample(exposition, 'crisislen_risk_score_bucket{le="0.5"}')).toBe(1);
      expect(sample(exposition, "crisislen_workflows_active")).toBe(0);
      expect(requests("/claims", "POST", 400)).toBe(1); // validation error, answered by the route
    }
  });

  it("traces the request, the decorated process_claim and its outbound fetch; a failed report shows the error", async () => {
    const processTrace = await app.waitForOutput(
      /^✓ POST \/claims\/:id\/process \(server\) 200 .*3 spans.*\n {2}└─ process_claim .*\n {5}└─ GET \(client\) 200 /m,
      10_000,
    );
    expect(processTrace).toBeDefined();
    await app.waitForOutput(
      /^✗ GET \/claims\/:id\/report \(server\) 500 .*2 spans.*\n {2}└─ build_report .* ✗$/m,
      10_000,
    );
  });

  it("exits 0 on SIGTERM (graceful shutdown)", async () => {
    expect(await app.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});

describe("METRICS_ON_APP_PORT", () => {
  it.each(["fastify-claims", "express-claims"])(
    "examples/%s refuses a value other than true or false, naming it",
    async (example) => {
      const app = startNode(
        `examples/${example}/server.mjs`,
        [],
        cleanEnv({ PORT: "0", METRICS_PORT: "0", METRICS_ON_APP_PORT: "no" }),
      );
      expect(await app.exited).toEqual({ code: 1, signal: null });
      expect(app.output).toContain('METRICS_ON_APP_PORT must be "true" or "false", got "no"');
    },
    20_000,
  );
});
