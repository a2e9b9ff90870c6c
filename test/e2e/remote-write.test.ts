/**
 * End to end, the metrics scale-out tier: two real Prometheus replicas scrape the Fastify example
 * (examples/fastify-claims/server.mjs) with the external labels and the remote_write settings of
 * deploy/monitoring/kube-prometheus-stack-ha-values.yaml (exemplars included), and remote-write to
 * a third Prometheus started with --web.enable-remote-write-receiver, standing in for the
 * long-term store. On the receiver:
 *   - both replicas' series arrive, each with cluster/environment/prometheus and its own
 *     prometheus_replica label, and the exemplars (trace ids) arrive with them;
 *   - each replica's raw counters hold exactly the requests sent;
 *   - a deduplicating query (by cluster, `max without (prometheus_replica)`) gives the same numbers
 *     as one replica, where a plain sum doubles them;
 *   - every dashboard query, asked of one replica's data (what Mimir's HA tracker keeps and what
 *     Thanos Query serves), answers with the traffic sent.
 * Timing is the test's own (1 s scrapes, 1 s remote-write batches); labels and payload are shipped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
import { loadHaPair, withMatcher, type HaPair } from "./support/ha-pair.js";
import { assertDistBuilt, cleanEnv, startNode, stopAll } from "./support/processes.js";
import { Prometheus, scrapeConfig } from "./support/prometheus.js";
import { scrapeJobFromServiceMonitor } from "./support/service-monitor.js";

const JOB = "crisislen-api";
const NAMESPACE = "crisislen";
const SELECTOR = `namespace="${NAMESPACE}", job="${JOB}"`;
const SCORES = [0.12, 0.85, 0.33, 0.91, 0.47, 0.8, 0.05, 0.99, 0.64, 0.29, 0.72, 0.88];
const itemCount = (i: number) => 1 + (i % 3);
const CLUSTER_ONLY_PANELS = ["CPU usage per pod", "Memory usage per pod"];
/** The production overlay's SLO recording rules (and burn-rate alerts). */
const sloRules = toRuleFile(loadAlertRuleGroups({}, sloRuleFile));

let workDir: string;
let api: ClaimsApi;
let pair: HaPair;
let replicas: Prometheus[];
let receiver: Prometheus;
/** Each replica's prometheus_replica value, and the timestamp of its second scrape after the traffic. */
const replicaNames: string[] = [];
const lastScrape = new Map<string, number>();
const sent = new Map<string, number>();
const measured: Record<string, unknown> = {};
const started = Date.now();

async function send(method: string, urlPath: string, endpoint: string, body?: unknown) {
  const answer = await api.call(method, urlPath, body);
  const key = `${method} ${endpoint} ${answer.status}`;
  sent.set(key, (sent.get(key) ?? 0) + 1);
  return answer;
}

const values = (
  samples: { metric: Record<string, string>; value: [number, string] }[],
  keys: string[],
) =>
  Object.fromEntries(
    samples.map((s) => [keys.map((k) => s.metric[k]).join(" "), Number(s.value[1])]),
  );

beforeAll(async () => {
  assertDistBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), "crisislen-remote-write-"));
  pair = loadHaPair();
  const app = startNode(
    "examples/fastify-claims/server.mjs",
    [],
    cleanEnv({
      PORT: "0",
      METRICS_PORT: "0",
      OTEL_TRACES_EXPORTER: "none",
      SCORING_DELAY_MS: "120",
      REPORT_FAIL_EVERY: "1",
      SHUTDOWN_DRAIN_DELAY_MS: "0",
    }),
  );
  const mark = (what: string) => (measured[what] = Date.now() - started);
  const receiverDir = path.join(workDir, "receiver");
  mkdirSync(receiverDir);
  [api, receiver] = await Promise.all([
    claimsApiOf(app),
    Prometheus.launch({
      dir: receiverDir,
      config: { global: {} },
      flags: ["--web.enable-remote-write-receiver", "--enable-feature=exemplar-storage"],
    }),
  ]);
  mark("appAndReceiverMs");
  const job = scrapeJobFromServiceMonitor({
    address: new URL(api.metricsUrl).host,
    service: JOB,
    namespace: NAMESPACE,
    pod: "crisislen-api-7d9f8b6c5-e2e00",
    container: "api",
  });
  replicas = await Promise.all(
    Array.from({ length: pair.replicas }, (_, i) => {
      const labels = pair.externalLabels(i);
      replicaNames.push(labels[pair.replicaLabel]!);
      const dir = path.join(workDir, `replica-${i}`);
      mkdirSync(dir);
      // Each replica evaluates the recording rules (the SLO row reads them) and remote-writes the
      // results with its external labels, as the Operator sets it up from the PrometheusRules.
      writeFileSync(path.join(dir, "rules.yml"), sloRules);
      return Prometheus.launch({
        dir,
        config: {
          global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: labels },
          rule_files: [path.join(dir, "rules.yml")],
          scrape_configs: [scrapeConfig(job, 1)],
          remote_write: [
            pair.remoteWrite(`${receiver.url}/api/v1/write`, { batchSendDeadline: "1s" }),
          ],
        },
        // Exemplars are kept only with exemplar storage on (the shipped values enable it).
        flags: ["--enable-feature=exemplar-storage"],
      });
    }),
  );
  mark("replicasMs");
  // Two samples of each replica on the receiver before any traffic: the label-less counters then
  // start from 0 there too (remote write starts from the WAL's tail, so the replica having scraped
  // is not enough), which makes increase() over the run exact.
  await Promise.all(
    replicaNames.map((name) =>
      receiver.waitFor(`two pre-traffic samples of ${name}`, 20_000, async () => {
        const n = await receiver.query(
          `count_over_time(crisislen_items_processed_total{job="${JOB}", ${pair.replicaLabel}="${name}"}[5m])`,
        );
        return Number(n[0]?.value[1] ?? 0) >= 2 ? true : undefined;
      }),
    ),
  );
  // One failed report first, scraped by both replicas: the 5xx series then exists before the
  // traffic, so rate() sees the failures that follow (a series born mid-window loses its first count).
  const warmUp = await send("POST", "/claims", "/claims", claimScoring(0.5, 1));
  await send("GET", `/claims/${String(warmUp.body.id)}/report?fail=1`, "/claims/:id/report");
  await Promise.all(
    replicas.map((replica) =>
      replica.waitFor("the first 5xx scraped", 10_000, async () =>
        (await replica.query(`http_requests_total{job="${JOB}", status="500"}`)).length === 1
          ? true
          : undefined,
      ),
    ),
  );
  measured.startupMs = Date.now() - started;

  for (let i = 0; i < SCORES.length; i++) {
    const created = await send(
      "POST",
      "/claims",
      "/claims",
      claimScoring(SCORES[i]!, itemCount(i)),
    );
    const id = String(created.body.id);
    await send("POST", `/claims/${id}/process`, "/claims/:id/process");
    if (i % 3 === 2) await send("GET", `/claims/${id}/report`, "/claims/:id/report");
    if (i % 4 === 3) await send("GET", `/claims/missing-${i}`, "/claims/:id");
  }
  const trafficEnd = Date.now() / 1000;
  measured.trafficMs = Date.now() - started - (measured.startupMs as number);

  // Each replica's second scrape after the traffic, then every one of its series at that scrape
  // (or later) on the receiver.
  await Promise.all(
    replicas.map(async (replica, i) => {
      const name = replicaNames[i]!;
      // The second scrape after the traffic: a series the last request created then has two
      // samples, which rate() needs.
      const scrapeAfter = (since: number) =>
        replica.waitFor("a scrape after the traffic", 10_000, async () => {
          const t = await replica.value(`max(timestamp(up{job="${JOB}"}))`);
          return t > since ? t : undefined;
        });
      const at = await scrapeAfter(await scrapeAfter(trafficEnd));
      lastScrape.set(name, at);
      // Every series' sample of that very scrape, as a range selector sees it: the receiver
      // answers an instant lookup of a freshly written sample a moment before range queries
      // include it, and the panels' increase()/rate() are range queries.
      const lastSamples = (prometheus: Prometheus, selector: string) =>
        prometheus.samples(`${selector}[1ms]`, at).then((series) => series.length);
      const series = await lastSamples(replica, `{job="${JOB}"}`);
      await receiver.waitFor(`${name}'s scrape on the receiver`, 15_000, async () =>
        (await lastSamples(receiver, `{job="${JOB}", ${pair.replicaLabel}="${name}"}`)) === series
          ? true
          : undefined,
      );
    }),
  );
  measured.deliveredAfterMs = Date.now() - started;
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  measured.totalMs = Date.now() - started;
  console.info("remote-write e2e measured:", JSON.stringify(measured));
});

describe("e2e: two Prometheus replicas remote-write to a receiver (the HA values' labels and settings)", () => {
  it("the receiver holds both replicas' series, with the shipped external labels and one replica label each", async () => {
    const up = await receiver.query(`up{job="${JOB}"}`);
    const labelSets = up.map(({ metric }) => {
      const { cluster, environment, prometheus } = metric;
      return { cluster, environment, prometheus, replica: metric[pair.replicaLabel] };
    });
    expect(labelSets.sort((a, b) => a.replica!.localeCompare(b.replica!))).toEqual(
      replicaNames.map((replica) => ({
        cluster: "crisislen-production",
        environment: "production",
        prometheus: "monitoring/kube-prometheus-stack-prometheus",
        replica,
      })),
    );
    expect(pair.replicaLabel).toBe("prometheus_replica");
  });

  it("each replica's raw counters, on the receiver, hold exactly the requests sent", async () => {
    for (const name of replicaNames) {
      const counted = await receiver.query(
        `sum by (method, endpoint, status) (http_requests_total{${SELECTOR}, ${pair.replicaLabel}="${name}"})`,
      );
      expect(values(counted, ["method", "endpoint", "status"]), name).toEqual(
        Object.fromEntries(sent),
      );
    }
    expect(Object.fromEntries(sent)).toEqual({
      "POST /claims 201": 13,
      "POST /claims/:id/process 200": 12,
      "GET /claims/:id/report 500": 5,
      "GET /claims/:id 404": 3,
    });
  });

  it("deduplicating by cluster (max without the replica label) gives one replica's numbers; a plain sum doubles them", async () => {
    const by = "sum by (cluster, method, status)";
    const dedup = await receiver.query(
      `${by} (max without (${pair.replicaLabel}) (http_requests_total{${SELECTOR}}))`,
    );
    const one = await receiver.query(
      `${by} (http_requests_total{${SELECTOR}, ${pair.replicaLabel}="${replicaNames[0]}"})`,
    );
    const doubled = await receiver.query(`${by} (http_requests_total{${SELECTOR}})`);
    const keys = ["cluster", "method", "status"];
    expect(values(dedup, keys)).toEqual(values(one, keys));
    expect(values(dedup, keys)).toEqual({
      "crisislen-production POST 201": 13,
      "crisislen-production POST 200": 12,
      "crisislen-production GET 500": 5,
      "crisislen-production GET 404": 3,
    });
    for (const [key, count] of Object.entries(values(dedup, keys))) {
      expect(values(doubled, keys)[key], key).toBe(2 * count);
    }
  });

  it("exemplars travel with the samples: the receiver has each replica's trace ids", async () => {
    const exemplars = async (prometheus: Prometheus, selector: string) => {
      const response = await fetch(
        `${prometheus.url}/api/v1/query_exemplars?${new URLSearchParams({
          query: `http_request_duration_seconds_bucket{${selector}}`,
          start: String(started / 1000 - 60),
          end: String(Date.now() / 1000 + 60),
        })}`,
      );
      const json = (await response.json()) as {
        data: {
          seriesLabels: Record<string, string>;
          exemplars: { labels: Record<string, string> }[];
        }[];
      };
      return new Set(json.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id!)));
    };
    for (const [i, name] of replicaNames.entries()) {
      const local = await exemplars(replicas[i]!, SELECTOR);
      expect(local.size, name).toBeGreaterThan(0);
      for (const id of local) expect(id).toMatch(/^[0-9a-f]{32}$/);
      const remote = await receiver.waitFor(`${name}'s exemplars`, 10_000, async () => {
        const got = await exemplars(receiver, `${SELECTOR}, ${pair.replicaLabel}="${name}"`);
        return got.size === local.size ? got : undefined;
      });
      expect([...remote].sort()).toEqual([...local].sort());
      measured[`exemplars ${name}`] = remote.size;
    }
  });

  it("the alert rules, unchanged, on one replica's data: HighErrorRate's expression gives one series per namespace and job (5 of 33 requests 5xx), APIDown none", async () => {
    const rules = loadAlertRuleGroups().flatMap((group) => group.rules);
    const expr = (name: string) => rules.find((rule) => rule.alert === name)!.expr;
    const at = lastScrape.get(replicaNames[0]!);
    const view = (e: string) => withMatcher(e, pair.replicaLabel, replicaNames[0]!);
    const errors = await receiver.query(view(expr("HighErrorRate")), at);
    expect(errors.map((s) => s.metric)).toEqual([{ namespace: NAMESPACE, job: JOB }]);
    measured.errorRatio = Number(errors[0]!.value[1]);
    expect(Number(errors[0]!.value[1])).toBeGreaterThan(0.05);
    expect(await receiver.query(view(expr("APIDown")), at)).toEqual([]);
  });

  it("measures what remote write costs: bytes per sample sent, series per app pod", async () => {
    const counter = async (replica: Prometheus, name: string) => {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
      if (!line) throw new Error(`${name} not in ${replica.url}/metrics`);
      return Number(line.split(" ").at(-1));
    };
    const [replica] = replicas;
    const bytes = await counter(replica!, "prometheus_remote_storage_bytes_total");
    const samples = await counter(replica!, "prometheus_remote_storage_samples_total");
    const exemplarsSent = await counter(replica!, "prometheus_remote_storage_exemplars_total");
    // The series of one scrape of the app (recording rules' outputs carry no instance label).
    const series = await replica!.value(`count({job="${JOB}", instance=~".+"})`);
    measured.remoteWrite = {
      bytes,
      samples,
      exemplars: exemplarsSent,
      bytesPerSample: Number((bytes / samples).toFixed(2)),
      seriesPerPod: series,
    };
    expect(samples).toBeGreaterThanOrEqual(series);
    expect(exemplarsSent).toBeGreaterThan(0);
    // Remote write 1.0 repeats a series' labels in every request that carries one of its samples;
    // with one sample per series per request (scrape interval > batch deadline, as in production)
    // the labels dominate: tens of bytes per sample after snappy.
    expect(bytes / samples).toBeGreaterThan(5);
    expect(bytes / samples).toBeLessThan(200);
  });

  describe("every dashboard query answers with the traffic sent, on one replica's data", () => {
    // The cluster variable set to the shipped cluster label, as a user picks it in Grafana.
    const queries = loadDashboardQueries({
      cluster: "crisislen-production",
      __rate_interval: "5m",
      __range: "1h",
    });
    const replica = () => replicaNames[0]!;
    const ask = (expr: string) =>
      receiver.query(withMatcher(expr, pair.replicaLabel, replica()), lastScrape.get(replica()));
    const panel = async (title: string) => {
      const [query] = queries.filter((q) => q.panelTitle === title);
      const result = await ask(query!.expr);
      expect(result, title).toHaveLength(1);
      return Number(result[0]!.value[1]);
    };

    it("every query of every panel returns data (CPU and memory read cAdvisor: none here)", async () => {
      const answerable = queries.filter((q) => !CLUSTER_ONLY_PANELS.includes(q.panelTitle));
      expect(answerable.length).toBeGreaterThanOrEqual(6);
      for (const query of answerable) {
        expect(
          (await ask(query.expr)).length,
          `${query.panelTitle}: ${query.expr}`,
        ).toBeGreaterThan(0);
      }
    });

    it("another cluster chosen in the cluster variable: every query answers nothing", async () => {
      const elsewhere = loadDashboardQueries({ cluster: "eu-west-2", __rate_interval: "5m" });
      for (const query of elsewhere) {
        const result = await ask(query.expr);
        // A scalar-free expression over no series is empty.
        expect(result, `${query.panelTitle}: ${query.expr}`).toEqual([]);
      }
    });

    it("Items processed, Average risk score and High-risk items are exact; Active workflows is back to 0", async () => {
      const items = SCORES.reduce((sum, _s, i) => sum + itemCount(i), 0);
      const mean = SCORES.reduce((sum, s) => sum + s, 0) / SCORES.length;
      expect(await panel("Items processed (24h)")).toBeCloseTo(items, 9);
      expect(await panel("Average risk score")).toBeCloseTo(mean, 9);
      expect(await panel("High-risk items (24h, score > 0.8)")).toBeCloseTo(
        SCORES.filter((s) => s > 0.8).length,
        9,
      );
      expect(await panel("Active workflows")).toBe(0);
    });

    it("Request rate has one series per method and status sent; p95 falls in the scoring delay's bucket", async () => {
      const [rate] = queries.filter((q) => q.panelTitle === "Request rate by method and status");
      const series = (await ask(rate!.expr)).map((s) => `${s.metric.method} ${s.metric.status}`);
      expect(series.sort()).toEqual(["GET 404", "GET 500", "POST 200", "POST 201"]);
      const p95 = await panel("Response time (p95)");
      measured.p95Seconds = p95;
      expect(p95).toBeGreaterThan(0.1);
      expect(p95).toBeLessThanOrEqual(0.25);
    });
  });
});
