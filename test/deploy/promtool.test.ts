import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadAlertRuleGroups } from "./support/dashboard-queries.js";
import { alertTestsFile } from "./support/paths.js";
import { promtool, promtoolTest, writeRuleFile } from "./support/promtool.js";

const rules = loadAlertRuleGroups().flatMap((g) => g.rules);

describe("PrometheusRule deploy/monitoring/prometheus/prometheusrule.yaml", () => {
  it("defines the four alerts of the spec and EventLoopSaturated, with their for and severity", () => {
    expect(rules.map((r) => [r.alert, r.for, r.labels?.severity])).toEqual([
      ["HighErrorRate", "5m", "critical"],
      ["HighCPUUsage", "10m", "warning"],
      ["HighMemoryUsage", "5m", "warning"],
      ["EventLoopSaturated", "5m", "warning"],
      ["APIDown", "1m", "critical"],
    ]);
  });

  it("gives every alert a summary, a description and a runbook link to its section", () => {
    for (const rule of rules) {
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual([
        "description",
        "runbook_url",
        "summary",
      ]);
      expect(rule.annotations?.runbook_url).toBe(
        `https://github.com/crisislen/observability/blob/main/deploy/README.md#${rule.alert?.toLowerCase()}`,
      );
    }
  });

  it("passes promtool check rules", async () => {
    const dir = await writeRuleFile(loadAlertRuleGroups());
    const result = await promtool(["check", "rules", "rules.yaml"], dir);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("SUCCESS: 5 rules found");
  });

  it("passes the promtool unit tests: each alert fires above its threshold after its for, silent below", async () => {
    const testFile = readFileSync(alertTestsFile, "utf8");
    const names = (parse(testFile) as { tests: { name: string }[] }).tests.map((t) => t.name);
    expect(names).toEqual([
      "HighErrorRate above threshold",
      "HighErrorRate below threshold",
      "HighCPUUsage",
      "HighMemoryUsage",
      "EventLoopSaturated on utilisation",
      "EventLoopSaturated on delay",
      "EventLoopSaturated silent on a single spike",
      "APIDown when every target is down",
      "APIDown when no target exists",
      "APIDown when one namespace vanishes and another stays",
      "APIDown silent while some targets are up",
    ]);
    const dir = await writeRuleFile(loadAlertRuleGroups());
    const result = await promtoolTest(dir, testFile);
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("fails the unit tests when a threshold is loosened (the tests can fail)", async () => {
    const groups = loadAlertRuleGroups({
      HighErrorRate: { expr: (rules[0]?.expr ?? "").replace("> 0.05", "> 0.5") },
    });
    const result = await promtoolTest(
      await writeRuleFile(groups),
      readFileSync(alertTestsFile, "utf8"),
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("alertname: HighErrorRate, time: 10m");
  });
  it("fails the EventLoopSaturated unit tests when either threshold is loosened", async () => {
    const expr = rules.find((r) => r.alert === "EventLoopSaturated")?.expr ?? "";
    const loosened = expr.replace("> 0.9,", "> 0.99,").replace("> 0.2,", "> 0.5,");
    expect(loosened).not.toBe(expr);
    const groups = loadAlertRuleGroups({ EventLoopSaturated: { expr: loosened } });
    const result = await promtoolTest(
      await writeRuleFile(groups),
      readFileSync(alertTestsFile, "utf8"),
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("name: EventLoopSaturated on utilisation");
    expect(result.stdout + result.stderr).toContain("name: EventLoopSaturated on delay");
  });
});
