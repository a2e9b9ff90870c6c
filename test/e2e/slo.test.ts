/**
 * End to end, the SLOs: the Fastify example (examples/fastify-claims/server.mjs) as a real
 * process, scraped every second by a real Prometheus that loaded the production overlay's SLO
 * rules (deploy/k8s/overlays/production/monitoring/slo-rules.yaml) with every alert's `for`
 * shortened to 3 s. Healthy traffic records an error ratio of exactly 0; then a fast burn — a
 * 5xx share and a share of slow requests far above the budgets — makes both page alerts go
 * pending, then fire; and every query of the dashboard's SLO row answers.
 *
 * With seconds of data every window (5m … 3d) holds the same requests, so all four burn-rate pairs
 * see the same ratio here; how the windows differ over time is promtool's to show
 * (deploy/monitoring/prometheus/tests/slo-windows.test.yaml).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadAlertRuleGroups,
  loadDashboardQueries,
  toRuleFile,
} from "../deploy/support/dashboard-queries.js";
import { sloRuleFile } from "../deploy/support/paths.js";
import { claimScoring, claimsApiOf, type ClaimsApi } from "./support/claims-api.js";
import { assertDistBuilt, cleanEnv, startNode, stopAll } from "./support/processes.js";
import { Prometheus, type Alert } from "./support/prometheus.js";
import { scrapeJobFromServiceMonitor } from "./support/service-monitor.js";

const JOB = "crisislen-api";
const NAMESPACE = "crisislen";
const SCRAPE_SECONDS = 1;
/** Longer than the 0.25 s latency threshold: every processed claim is a slow request. */
const SCORING_DELAY_MS = 300;
/** `for` of the test copies of the SLO alerts (2m to 3h in deploy/). */
const ALERT_FOR = "3s";
const SLO_ALERTS = [
  "AvailabilityBudgetFastBurn",
  "AvailabilityBudgetSlowBurn",
  "LatencyBudgetFastBurn",
  "LatencyBudgetSlowBurn",
];
const WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];
const SLO_PANELS = ["SLI over 30 days", "Error budget remaining (30 days)", "Burn rate per window"];

const ruleGroups = loadAlertRuleGroups(
  Object.fromEntries(SLO_ALERTS.map((name) => [name, { for: ALERT_FOR }])),
  sloRuleFile,
);
const sloQueries = loadDashboardQueries({ namespace: NAMESPACE, job: JOB }).filter((query) =>
  SLO_PANELS.includes(query.panelTitle),
);

let workDir: string;
/** Claims created by the healthy traffic, processed during the burn. */
const claimIds: string[] = [];
let api: ClaimsApi;
let prometheus: Prometheus;
const alertStates = new Map<string, Set<Alert["state"]>>();
let stopWatching = () => {};
const measured: Record<string, unknown> = {};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alertKey = (alert: Alert) =>
  `${alert.labels.alertname} ${alert.labels.long}/${alert.labels.short}`;

/** Records every state each SLO alert (by name and window pair) is seen in, every 250 ms. */
function watchAlerts(): () => void {
  let running = true;
  void (async () => {
    while (running) {
      for (const alert of await prometheus.alerts().catch(() => [])) {
        const key = alertKey(alert);
        if (!alertStates.has(key)) alertStates.set(key, new Set());
        alertStates.get(key)!.add(alert.state);
      }
      await sleep(250);
    }
  })();
  return () => (running = false);
}

/** Waits for a scrape that started after now, i.e. one that saw everything sent so far. */
async function scrapeAfterNow(): Promise<number> {
  const now = Date.now() / 1000;
  return prometheus.waitFor("a scrape after the traffic", 10_000, async () => {
    const last = await prometheus.value(`timestamp(up{job="${JOB}"})`);
    return last > now ? last : undefined;
  });
}

/**
 * Waits for a scrape that saw everything sent so far, then until both SLOs' groups (evaluated
 * each at its own offset) have recorded a ratio from it; returns the later evaluation time.
 */
async function recordedAfterNow(): Promise<number> {
  const at = await scrapeAfterNow();
  return prometheus.waitFor("both SLO groups evaluated on that scrape", 10_000, async () => {
    const recorded = await prometheus.query(`timestamp(slo:sli_error:ratio_rate5m)`);
    const times = recorded.map((sample) => Number(sample.value[1]));
    return times.length === 2 && times.every((t) => t >= at) ? Math.max(...times) : undefined;
  });
}

/** The recorded error ratio of one SLO over each window, at `time`. */
async function slis(slo: "availability" | "latency", time: number) {
  const result = await prometheus.query(
    `{__name__=~"slo:sli_error:ratio_rate.+", sloth_slo="requests-${slo}"}`,
    time,
  );
  return Object.fromEntries(
    result.map(({ metric, value }) => [metric.sloth_window!, Number(value[1])]),
  );
}

beforeAll(async () => {
  assertDistBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), "crisislen-e2e-slo-"));
  const app = startNode(
    "examples/fastify-claims/server.mjs",
    [],
    cleanEnv({
      PORT: "0",
      METRICS_PORT: "0",
      OTEL_TRACES_EXPORTER: "none",
      SCORING_DELAY_MS: String(SCORING_DELAY_MS),
      REPORT_FAIL_EVERY: "0",
      SHUTDOWN_DRAIN_DELAY_MS: "0",
    }),
  );
  api = await claimsApiOf(app);
  prometheus = await Prometheus.start({
    dir: workDir,
    intervalSeconds: SCRAPE_SECONDS,
    ruleFile: toRuleFile(ruleGroups),
    job: scrapeJobFromServiceMonitor({
      address: new URL(api.metricsUrl).host,
      service: JOB,
      namespace: NAMESPACE,
      pod: "crisislen-api-7d9f8b6c5-slo00",
      container: "api",
    }),
  });
  await prometheus.waitFor("two scrapes of the app", 15_000, async () => {
    const count = await prometheus.query(`count_over_time(up{job="${JOB}"}[1m])`);
    return count.length === 1 && Number(count[0]!.value[1]) >= 2 ? true : undefined;
  });
  stopWatching = watchAlerts();
}, 60_000);

afterAll(async () => {
  stopWatching();
  await stopAll();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (Object.keys(measured).length > 0) console.info("e2e SLO measured:", JSON.stringify(measured));
});

describe("e2e: the SLO rules on a real Prometheus scraping the Fastify example", () => {
  it("loads the 38 SLO rules and evaluates them without error", async () => {
    const rules = await prometheus.waitFor("every SLO rule evaluated", 10_000, async () => {
      const loaded = await prometheus.rules();
      return loaded.length > 0 && loaded.every((rule) => rule.health === "ok") ? loaded : undefined;
    });
    expect(rules).toHaveLength(38);
    expect(new Set(rules.filter((r) => r.type === "alerting").map((r) => r.name))).toEqual(
      new Set(SLO_ALERTS),
    );
  });

  it("healthy traffic (no 5xx, nothing slow on purpose): availability error ratio exactly 0 in every window, the whole budget left", async () => {
    // rate() counts the increases after a series' first sample: one request of each kind first,
    // scraped, so that the rest of the traffic shows in every series' rate.
    const first = await api.call("POST", "/claims", claimScoring(0.2, 2));
    claimIds.push(String(first.body.id));
    expect((await api.call("GET", `/claims/${claimIds[0]}`)).status).toBe(200);
    expect((await api.call("GET", "/claims/missing")).status).toBe(404);
    await scrapeAfterNow();
    for (let i = 1; i < 20; i++) {
      const created = await api.call("POST", "/claims", claimScoring(0.2, 2));
      expect(created.status).toBe(201);
      claimIds.push(String(created.body.id));
      expect((await api.call("GET", `/claims/${claimIds[i]}`)).status).toBe(200);
      expect((await api.call("GET", `/health/ready`)).status).toBe(200);
    }
    const at = await recordedAfterNow();
    // No 5xx series exists at all: the rules' "or 0 *" branch gives 0 rather than nothing.
    expect(await slis("availability", at)).toEqual(
      Object.fromEntries([...WINDOWS, "30d"].map((window) => [window, 0])),
    );
    expect(
      await prometheus.value(
        `slo:period_error_budget_remaining:ratio{sloth_slo="requests-availability"}`,
        at,
      ),
    ).toBe(1);
    // The latency ratio reads the SDK's le="0.25" bucket: it equals the raw count of requests
    // above 0.25 s over all requests (the health route excluded).
    const latency = await slis("latency", at);
    const raw = await prometheus.value(
      `1 - sum(increase(http_request_duration_seconds_bucket{job="${JOB}", le="0.25"}[5m])) / sum(increase(http_request_duration_seconds_count{job="${JOB}"}[5m]))`,
      at,
    );
    measured.healthyLatencyErrorRatio = latency["5m"];
    expect(latency["5m"]).toBeCloseTo(raw, 12);
    expect(
      (
        await prometheus.query(
          `http_request_duration_seconds_count{job="${JOB}", endpoint=~"/health/.*"}`,
        )
      ).length,
    ).toBe(0);
    expect([...alertStates.keys()].filter((key) => key.startsWith("Availability"))).toEqual([]);
  }, 60_000);

  it("a fast burn (20 of 81 requests 5xx, 20 slower than 0.25 s) makes both page alerts go pending, then fire (test copy: for 3s)", async () => {
    for (const id of claimIds) {
      expect((await api.call("GET", `/claims/${id}/report?fail=1`)).status).toBe(500);
      expect((await api.call("POST", `/claims/${id}/process`)).status).toBe(200);
    }
    const firing = async (name: string) =>
      prometheus.waitFor(`${name} 1h/5m to fire`, 30_000, async () =>
        (await prometheus.alerts()).find(
          (alert) =>
            alert.labels.alertname === name &&
            alert.labels.long === "1h" &&
            alert.state === "firing",
        ),
      );
    for (const [name, slo] of [
      ["AvailabilityBudgetFastBurn", "requests-availability"],
      ["LatencyBudgetFastBurn", "requests-latency"],
    ] as const) {
      const alert = await firing(name);
      expect(alert.labels).toMatchObject({
        severity: "critical",
        sloth_severity: "page",
        long: "1h",
        short: "5m",
        namespace: NAMESPACE,
        job: JOB,
        sloth_slo: slo,
      });
      measured[`${name}BurnRate`] = Number(Number(alert.value).toFixed(2));
      // $value is the burn rate over the long window.
      expect(Number(alert.value)).toBeGreaterThan(14.4);
      expect(alert.annotations?.runbook_url).toContain(`#${name.toLowerCase()}`);
      expect([...(alertStates.get(`${name} 1h/5m`) ?? [])]).toContain("pending");
    }
  }, 60_000);

  it("every query of the dashboard's SLO row answers, per SLO and per window", async () => {
    const at = await recordedAfterNow();
    expect(sloQueries.map((query) => `${query.panelTitle} ${query.refId}`)).toEqual([
      "SLI over 30 days A",
      "SLI over 30 days B",
      "Error budget remaining (30 days) A",
      "Burn rate per window A",
    ]);
    const answers: Record<string, Record<string, number>> = {};
    for (const query of sloQueries) {
      const result = await prometheus.query(query.expr, at);
      const key = `${query.panelTitle} ${query.refId}`;
      answers[key] = Object.fromEntries(
        result.map(({ metric, value }) => [
          `${metric.sloth_slo} ${metric.sloth_window ?? ""}`.trim(),
          Number(value[1]),
        ]),
      );
      if (!query.instant) {
        const range = await prometheus.queryRange(query.expr, at - 10, at, SCRAPE_SECONDS);
        expect(range.length, `${key} as a range query`).toBe(result.length);
      }
    }
    measured.sloPanels = answers;
    const slos = ["requests-availability", "requests-latency"];
    expect(Object.keys(answers["SLI over 30 days A"]!).sort()).toEqual(slos.map((s) => `${s} 30d`));
    expect(answers["SLI over 30 days B"]).toEqual({
      "requests-availability": 0.999,
      "requests-latency": 0.99,
    });
    expect(Object.keys(answers["Burn rate per window A"]!).sort()).toEqual(
      slos.flatMap((slo) => WINDOWS.map((window) => `${slo} ${window}`)).sort(),
    );
    for (const slo of slos) {
      expect(answers["SLI over 30 days A"]![`${slo} 30d`]).toBeGreaterThan(0);
      expect(answers["SLI over 30 days A"]![`${slo} 30d`]).toBeLessThan(1);
      // The burn has spent more than the whole budget already.
      expect(answers["Error budget remaining (30 days) A"]![`${slo} 30d`]).toBeLessThan(0);
      expect(answers["Burn rate per window A"]![`${slo} 5m`]).toBeGreaterThan(14.4);
    }
  }, 30_000);
});
