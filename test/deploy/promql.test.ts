import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadAlertRuleGroups, loadDashboardQueries } from "./support/dashboard-queries.js";
import { dashboardFile, fixturesDir, sloRuleFile } from "./support/paths.js";
import { CLUSTER_METRICS, parsePromql, SDK_METRICS } from "./support/promql.js";
import { promtoolTest, writeRuleFile } from "./support/promtool.js";

const dashboardQueries = loadDashboardQueries();
const ruleExprs = loadAlertRuleGroups()
  .flatMap((g) => g.rules)
  .map((r) => ({ name: `alert ${r.alert}`, expr: r.expr }));
const sloRules = loadAlertRuleGroups({}, sloRuleFile).flatMap((g) => g.rules);
/** Series the SLO recording rules write; the SLO panels and alerts read them. */
const SLO_METRICS = new Set(sloRules.flatMap((r) => (r.record ? [r.record] : [])));
const allExprs = [
  ...dashboardQueries.map((q) => ({ name: `panel "${q.panelTitle}" ${q.refId}`, expr: q.expr })),
  ...ruleExprs,
  ...sloRules.map((r) => ({ name: `SLO rule ${r.record ?? r.alert}`, expr: r.expr })),
];

describe("PromQL of the dashboard and the alerts", () => {
  it("has a query for each of the nine panels, the three SLO panels, and one per alert", () => {
    expect(new Set(dashboardQueries.map((q) => q.panelTitle)).size).toBe(12);
    expect(ruleExprs).toHaveLength(5);
  });

  it("parses every expression with Prometheus' grammar", () => {
    const errors = allExprs.flatMap(({ name, expr }) =>
      parsePromql(expr).errors.map((e) => `${name}: ${e}`),
    );
    expect(errors).toEqual([]);
  });

  it("reads only metrics the SDK emits or the cluster provides (cAdvisor, kube-state-metrics, up)", () => {
    const unknown = allExprs.flatMap(({ name, expr }) =>
      parsePromql(expr)
        .metricNames.filter(
          (m) => !SDK_METRICS.has(m) && !CLUSTER_METRICS.has(m) && !SLO_METRICS.has(m),
        )
        .map((m) => `${name}: ${m}`),
    );
    expect(unknown).toEqual([]);
    const used = new Set(allExprs.flatMap(({ expr }) => parsePromql(expr).metricNames));
    for (const metric of [
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "crisislen_items_processed_total",
      "crisislen_workflows_active",
      "crisislen_risk_score_bucket",
    ]) {
      expect(used, metric).toContain(metric);
    }
  });

  it("catches a misspelled metric (self-check)", () => {
    expect(parsePromql("rate(http_request_total[5m])").metricNames).toEqual(["http_request_total"]);
    expect(parsePromql("sum(rate(x[5m])").errors).not.toEqual([]);
  });

  it("uses $__rate_interval for every rate window except the 24h and time-range stats", () => {
    const raw = JSON.parse(readFileSync(dashboardFile, "utf8")) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const windows = raw.panels
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .flatMap((expr) => [...expr.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]));
    expect(new Set(windows)).toEqual(new Set(["$__rate_interval", "24h", "$__range"]));
  });

  it("returns the expected values for every dashboard query on series shaped like cAdvisor's and the SDK's", async () => {
    const fixture = parse(
      readFileSync(path.join(fixturesDir, "dashboard-series.yaml"), "utf8"),
    ) as {
      interval: string;
      eval_time: string;
      input_series: unknown[];
      expectations: Record<string, Record<string, { labels: string; value: number }[]>>;
    };
    const queries = loadDashboardQueries({ __rate_interval: "5m", __range: "1h" });
    const tests = queries.map((q) => {
      const expected = fixture.expectations[q.panelTitle]?.[q.refId];
      if (!expected) throw new Error(`no expectation for panel "${q.panelTitle}" ${q.refId}`);
      // Rounded: promtool 2.42 compares floats exactly, and 0.6 arrives as 0.6000000000000001.
      return {
        expr: `round((${q.expr}) * 100000) / 100000`,
        eval_time: fixture.eval_time,
        exp_samples: expected,
      };
    });
    // The SLO panels read the SLO recording rules, so promtool evaluates those too.
    const dir = await writeRuleFile(loadAlertRuleGroups({}, sloRuleFile), "slo-rules.yaml");
    const result = await promtoolTest(dir, {
      rule_files: ["slo-rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        { interval: fixture.interval, input_series: fixture.input_series, promql_expr_test: tests },
      ],
    });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
  });
});

describe("Grafana dashboard conventions", () => {
  const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8")) as {
    uid: string;
    id?: unknown;
    refresh: string;
    schemaVersion: number;
    __inputs?: unknown;
    templating: { list: { name: string; type: string }[] };
    panels: {
      id: number;
      type: string;
      datasource: unknown;
      targets?: { datasource: unknown; exemplar?: boolean; expr: string }[];
      title: string;
      gridPos: { y: number };
    }[];
  };
  /** Rows group panels and query nothing. */
  const queryPanels = dashboard.panels.filter((p) => p.type !== "row");

  it("has a stable uid, 30 s refresh, no id and no __inputs", () => {
    expect(dashboard.uid).toBe("crisislen-api-overview");
    expect(dashboard.refresh).toBe("30s");
    expect(dashboard.id).toBeUndefined();
    expect(dashboard.__inputs).toBeUndefined();
    expect(dashboard.schemaVersion).toBe(39);
  });

  it("takes its datasource, cluster, namespace and job from variables", () => {
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ["datasource", "datasource"],
      ["cluster", "query"],
      ["namespace", "query"],
      ["job", "query"],
    ]);
    const ds = { type: "prometheus", uid: "${datasource}" };
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual(ds);
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(ds);
    }
  });

  it("has unique panel ids and shows exemplars on the p95 panel", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const p95 = dashboard.panels.find((p) => p.title === "Response time (p95)");
    expect(p95?.targets?.[0]?.exemplar).toBe(true);
  });

  it("ends with the SLO row: SLI, budget remaining and the burn rate over every alert window", () => {
    const row = dashboard.panels.findIndex((p) => p.type === "row");
    expect(dashboard.panels.slice(row).map((p) => [p.type, p.title])).toEqual([
      ["row", "Service level objectives (30 days)"],
      ["stat", "SLI over 30 days"],
      ["stat", "Error budget remaining (30 days)"],
      ["timeseries", "Burn rate per window"],
    ]);
    const burn = dashboard.panels.at(-1)?.targets?.[0]?.expr ?? "";
    const windows = /ratio_rate\(([^)]+)\)/.exec(burn)?.[1]?.split("|");
    const alertWindows = sloRules.flatMap((r) =>
      r.alert ? [r.labels?.long, r.labels?.short] : [],
    );
    expect(new Set(windows)).toEqual(new Set(alertWindows));
  });
});
