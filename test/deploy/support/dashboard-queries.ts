/**
 * The dashboard's queries and the alert rules as plain data, for tests that run them against a
 * Prometheus (promtool here, a real server in the e2e test). Reads the shipped files, so a test
 * always exercises exactly what users install.
 */
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { dashboardFile, prometheusRuleFile } from "./paths.js";

export interface PanelQuery {
  panelId: number;
  panelTitle: string;
  panelType: string;
  refId: string;
  /** PromQL with every Grafana variable replaced. */
  expr: string;
  legendFormat: string | undefined;
  /** Grafana runs the query at one instant (stat/gauge panels) rather than over a range. */
  instant: boolean;
}

/**
 * Values that make the queries runnable outside Grafana: every cluster (the variable's "All", `.*`,
 * which also matches a Prometheus whose series carry no cluster label), the namespace and job the
 * raw manifests deploy, `$__rate_interval` at 4 × the 30 s scrape interval (Grafana's own floor),
 * `$__range` 1h.
 */
export const DEFAULT_VARIABLES: Readonly<Record<string, string>> = {
  cluster: ".*",
  namespace: "crisislen",
  job: "crisislen-api",
  __rate_interval: "2m",
  __range: "1h",
  __interval: "30s",
  datasource: "prometheus",
};

/** Replaces `$name`, `${name}`, `${name:format}` and `[[name]]`; throws on a variable not in the map. */
export function substituteVariables(
  expr: string,
  variables: Readonly<Record<string, string>>,
): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    const value = variables[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${match} in: ${expr}`);
    return value;
  });
}

interface DashboardJson {
  panels?: {
    id: number;
    title: string;
    type: string;
    targets?: { refId: string; expr?: string; legendFormat?: string; instant?: boolean }[];
  }[];
}

/**
 * Every query of every panel of deploy/monitoring/grafana/crisislen-overview.json, with Grafana's
 * variables substituted (given values override DEFAULT_VARIABLES).
 *
 * @example loadDashboardQueries({ __rate_interval: "20s" }).find((q) => q.panelTitle === "Response time (p95)")
 */
export function loadDashboardQueries(
  variables: Readonly<Record<string, string>> = {},
  file: string = dashboardFile,
): PanelQuery[] {
  const values = { ...DEFAULT_VARIABLES, ...variables };
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as DashboardJson;
  return (dashboard.panels ?? []).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => target.expr !== undefined)
      .map((target) => ({
        panelId: panel.id,
        panelTitle: panel.title,
        panelType: panel.type,
        refId: target.refId,
        expr: substituteVariables(target.expr ?? "", values),
        legendFormat: target.legendFormat,
        instant: target.instant === true,
      })),
  );
}

/** One rule of a Prometheus rule file (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). */
export interface PrometheusRuleDefinition {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: PrometheusRuleDefinition[];
}

/**
 * The rule groups of deploy/monitoring/prometheus/prometheusrule.yaml: the PrometheusRule's
 * `.spec.groups`, i.e. what a plain Prometheus reads from a `rule_files` entry.
 *
 * @param overrides per-alert changes, e.g. `{ HighErrorRate: { for: "10s" } }` for a test copy.
 */
export function loadAlertRuleGroups(
  overrides: Readonly<Record<string, Partial<PrometheusRuleDefinition>>> = {},
  file: string = prometheusRuleFile,
): RuleGroup[] {
  const resource = parse(readFileSync(file, "utf8")) as { spec: { groups: RuleGroup[] } };
  return resource.spec.groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) => ({
      ...rule,
      ...(overrides[rule.alert ?? rule.record ?? ""] ?? {}),
    })),
  }));
}

/** A Prometheus rule file (`groups:`) for the given groups, ready for `rule_files` or promtool. */
export function toRuleFile(groups: RuleGroup[]): string {
  return stringify({ groups });
}
