/**
 * End to end, finding #4 (alerts reached nobody): the Fastify example as a real process, scraped by a
 * real Prometheus loaded with the shipped alert rules, which sends to a real Alertmanager loaded with
 * the shipped route and receivers (kube-prometheus-stack-values.yaml). The receivers' endpoints point
 * at a webhook on 127.0.0.1 (PagerDuty's Events API URL and the Slack webhook URL, the latter read from
 * its secret file as in the cluster). Test-only changes: `for` of HighErrorRate and APIDown 3 s, the
 * route's group_wait/group_interval 1 s, scrapes and evaluations every second.
 *
 * - below the threshold (1 of 41 requests 5xx) nothing arrives;
 * - a 5xx burst makes HighErrorRate arrive at the paging receiver, with the labels the route groups on;
 * - stopping the app makes APIDown arrive there too;
 * - a warning (as the SLO ticket alerts and HighCPUUsage carry) arrives at the ticket receiver.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestCopy } from "../deploy/support/alertmanager-config.js";
import { loadAlertRuleGroups, toRuleFile } from "../deploy/support/dashboard-queries.js";
import { startAlertmanager, Webhook, type Notification } from "./support/alertmanager.js";
import { claimScoring, claimsApiOf, type ClaimsApi } from "./support/claims-api.js";
import {
  assertDistBuilt,
  cleanEnv,
  startNode,
  stopAll,
  type RunningProcess,
} from "./support/processes.js";
import { Prometheus } from "./support/prometheus.js";
import { scrapeJobFromServiceMonitor } from "./support/service-monitor.js";

const JOB = "crisislen-api";
const NAMESPACE = "crisislen";
const ROUTING_KEY = "e2e0routing0key0000000000000000aa";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let workDir: string;
let app: RunningProcess;
let api: ClaimsApi;
let prometheus: Prometheus;
let alertmanager: string;
let webhook: Webhook;

const pages = () => webhook.received.filter((n) => n.path === "/pagerduty");
const tickets = () => webhook.received.filter((n) => n.path === "/slack");
const details = (n: Notification) =>
  (n.body.payload as { custom_details: Record<string, string> }).custom_details;

async function waitForPage(alertname: string, timeoutMs: number): Promise<Notification> {
  return prometheus.waitFor(`${alertname} at the paging receiver`, timeoutMs, async () =>
    pages().find((n) => details(n).alertname === alertname && n.body.event_action === "trigger"),
  );
}

beforeAll(async () => {
  assertDistBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), "crisislen-e2e-am-"));
  webhook = await new Webhook().start();
  const configFile = writeTestCopy({
    dir: workDir,
    secrets: { "pagerduty-routing-key": ROUTING_KEY, "slack-webhook-url": `${webhook.url}/slack` },
    pagerdutyUrl: `${webhook.url}/pagerduty`,
    timings: { group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
  });
  alertmanager = (await startAlertmanager(workDir, configFile)).address;
  app = startNode(
    "examples/fastify-claims/server.mjs",
    [],
    cleanEnv({
      PORT: "0",
      METRICS_PORT: "0",
      OTEL_TRACES_EXPORTER: "none",
      SCORING_DELAY_MS: "0",
      REPORT_FAIL_EVERY: "1000",
      SHUTDOWN_DRAIN_DELAY_MS: "0",
    }),
  );
  api = await claimsApiOf(app);
  prometheus = await Prometheus.start({
    dir: workDir,
    intervalSeconds: 1,
    alertmanager,
    ruleFile: toRuleFile(
      loadAlertRuleGroups({ HighErrorRate: { for: "3s" }, APIDown: { for: "3s" } }),
    ),
    job: scrapeJobFromServiceMonitor({
      address: new URL(api.metricsUrl).host,
      service: JOB,
      namespace: NAMESPACE,
      pod: "crisislen-api-7d9f8b6c5-am000",
      container: "api",
    }),
  });
  await prometheus.waitFor("two scrapes of the app", 15_000, async () => {
    const count = await prometheus.query(`count_over_time(up{job="${JOB}"}[1m])`);
    return count.length === 1 && Number(count[0]!.value[1]) >= 2 ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await stopAll();
  await webhook?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("e2e: shipped alerts through the shipped Alertmanager route to the receivers", () => {
  it("below the threshold (1 of 41 requests 5xx) nothing arrives", async () => {
    const created = await api.call("POST", "/claims", claimScoring(0.4, 2));
    const id = String(created.body.id);
    for (let i = 0; i < 40; i++) expect((await api.call("GET", `/claims/${id}`)).status).toBe(200);
    expect((await api.call("GET", `/claims/${id}/report?fail=1`)).status).toBe(500);
    // Several evaluations past `for` (3 s) and group_wait (1 s), on data holding every request.
    await sleep(8_000);
    expect((await prometheus.alerts()).map((a) => a.labels.alertname)).toEqual([]);
    expect(webhook.received).toEqual([]);
  }, 30_000);

  it("a 5xx burst makes HighErrorRate reach the paging receiver, with the route's labels", async () => {
    const created = await api.call("POST", "/claims", claimScoring(0.4, 1));
    for (let i = 0; i < 10; i++) {
      expect(
        (await api.call("GET", `/claims/${String(created.body.id)}/report?fail=1`)).status,
      ).toBe(500);
    }
    const page = await waitForPage("HighErrorRate", 30_000);
    expect(page.body).toMatchObject({ routing_key: ROUTING_KEY, event_action: "trigger" });
    expect(details(page)).toMatchObject({
      alertname: "HighErrorRate",
      namespace: NAMESPACE,
      job: JOB,
      severity: "critical",
      runbook_url:
        "https://github.com/crisislen/observability/blob/main/deploy/README.md#higherrorrate",
    });
    expect((page.body.payload as { summary: string }).summary).toBe(
      "HighErrorRate in crisislen: More than 5% of CrisisLens API requests fail with a 5xx status.",
    );
    expect(tickets()).toEqual([]);
  }, 40_000);

  it("stopping the app makes APIDown reach the paging receiver", async () => {
    expect(await app.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const page = await waitForPage("APIDown", 30_000);
    expect(page.body).toMatchObject({ routing_key: ROUTING_KEY, event_action: "trigger" });
    expect(details(page)).toMatchObject({
      alertname: "APIDown",
      namespace: NAMESPACE,
      job: JOB,
      severity: "critical",
    });
    expect(tickets()).toEqual([]);
  }, 40_000);

  it("a warning alert reaches the ticket receiver (Slack), read from its secret file", async () => {
    const response = await fetch(`http://${alertmanager}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          labels: {
            alertname: "HighCPUUsage",
            severity: "warning",
            namespace: NAMESPACE,
            pod: "crisislen-api-a",
          },
          annotations: {
            description:
              "Pod crisislen/crisislen-api-a has used 90% of its CPU limit for 10 minutes (threshold 80%).",
            runbook_url:
              "https://github.com/crisislen/observability/blob/main/deploy/README.md#highcpuusage",
          },
        },
      ]),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    const ticket = await prometheus.waitFor(
      "the ticket notification",
      20_000,
      async () => tickets()[0],
    );
    expect(ticket.body).toMatchObject({ channel: "#crisislen-alerts" });
    const [attachment] = ticket.body.attachments as {
      title: string;
      title_link: string;
      text: string;
    }[];
    expect(attachment).toMatchObject({
      title: "[FIRING] HighCPUUsage (warning, crisislen)",
      title_link:
        "https://github.com/crisislen/observability/blob/main/deploy/README.md#highcpuusage",
      text: "Pod crisislen/crisislen-api-a has used 90% of its CPU limit for 10 minutes (threshold 80%).\n",
    });
    expect(
      pages()
        .map((n) => details(n).alertname)
        .sort(),
    ).toEqual(["APIDown", "HighErrorRate"]);
  }, 30_000);
});
