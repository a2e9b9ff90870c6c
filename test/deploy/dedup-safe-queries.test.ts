/**
 * The alert rules and the dashboard work unchanged on deduplicated data: behind Thanos Query or
 * Mimir's HA tracker the replica label is gone, so a query that groups by it, matches on it or
 * joins on it would change meaning (or return nothing). Every label name in every expression —
 * `by`, `without`, `on`, `ignoring`, `group_left/right` and selectors — is checked, in both
 * copies of each file (kustomize monitoring/ and the Helm chart's files/), and in the SLO rules.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { substituteVariables, DEFAULT_VARIABLES } from "./support/dashboard-queries.js";
import { chartDir, monitoringDir, monitoringOverlayDir } from "./support/paths.js";

/** Labels deduplicators drop: the Operator's default, and the names Thanos/Mimir examples use. */
const REPLICA_LABELS = ["prometheus_replica", "replica", "__replica__"];

/** Every label name an expression mentions, wherever it appears. */
function labelNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`cannot parse ${expr} at ${node.from}`);
      if (node.name === "LabelName") names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}

const RULE_FILES = [
  path.join(monitoringDir, "prometheus/prometheusrule.yaml"),
  path.join(chartDir, "files/prometheusrule.yaml"),
  // The SLO recording rules and burn-rate alerts, as rendered for each overlay.
  path.join(monitoringOverlayDir("production"), "slo-rules.yaml"),
  path.join(monitoringOverlayDir("staging"), "slo-rules.yaml"),
];
const DASHBOARDS = [
  path.join(monitoringDir, "grafana/crisislen-overview.json"),
  path.join(chartDir, "files/crisislen-overview.json"),
];

function ruleExprs(file: string): [string, string][] {
  const doc = parse(readFileSync(file, "utf8")) as {
    spec?: { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
    groups?: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return (doc.spec?.groups ?? doc.groups ?? []).flatMap((group) =>
    group.rules.map((rule): [string, string] => [rule.alert ?? rule.record ?? "?", rule.expr]),
  );
}

function dashboardExprs(file: string): [string, string][] {
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as {
    panels?: { title: string; targets?: { expr?: string }[] }[];
    templating?: { list: { name: string; query?: string | { query?: string } }[] };
  };
  const variables = DEFAULT_VARIABLES;
  const panels = (dashboard.panels ?? []).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => t.expr)
      .map((t): [string, string] => [panel.title, substituteVariables(t.expr!, variables)]),
  );
  // label_values(<selector>, <label>): the selector is PromQL, the label a name.
  const templating = (dashboard.templating?.list ?? []).flatMap((variable): [string, string][] => {
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    const match = /^label_values\((.*),\s*(\w+)\)$/.exec(query ?? "");
    if (!match) return [];
    return [
      [`$${variable.name}`, substituteVariables(match[1]!, variables)],
      [`$${variable.name} (label)`, `x{${match[2]}="v"}`],
    ];
  });
  return [...panels, ...templating];
}

describe("the checker", () => {
  it("finds replica labels in by, without, on and selectors", () => {
    expect(labelNames('sum by (prometheus_replica, job) (up{replica="a"})')).toEqual([
      "prometheus_replica",
      "job",
      "replica",
    ]);
    expect(labelNames("a / on (job) group_left (pod) b")).toEqual(["job", "pod"]);
    expect(labelNames("max without (__replica__) (x)")).toEqual(["__replica__"]);
  });
});

describe("alert rules and dashboard: nothing depends on a replica label", () => {
  for (const file of RULE_FILES) {
    it(`rules in ${path.relative(path.dirname(monitoringDir), file)}`, () => {
      const exprs = ruleExprs(file);
      expect(exprs.length).toBeGreaterThanOrEqual(4);
      for (const [name, expr] of exprs) {
        const found = labelNames(expr).filter((label) => REPLICA_LABELS.includes(label));
        expect(found, `${name}: ${expr}`).toEqual([]);
      }
    });
  }

  for (const file of DASHBOARDS) {
    it(`queries and variables in ${path.relative(path.dirname(monitoringDir), file)}`, () => {
      const exprs = dashboardExprs(file);
      expect(exprs.length).toBeGreaterThanOrEqual(10);
      for (const [name, expr] of exprs) {
        const found = labelNames(expr).filter((label) => REPLICA_LABELS.includes(label));
        expect(found, `${name}: ${expr}`).toEqual([]);
      }
    });
  }
});
