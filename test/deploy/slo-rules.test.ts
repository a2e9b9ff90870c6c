/**
 * The SLO rules (deploy/k8s/overlays/production/monitoring/slo-rules.yaml, rendered from the
 * chart's _slo.tpl with the default objectives) checked by promtool: the rule inventory, the lint,
 * and the unit tests in deploy/monitoring/prometheus/tests/slo-*.test.yaml (each burn rate just
 * above and just below, windows over time, exact recorded ratios).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadAlertRuleGroups } from "./support/dashboard-queries.js";
import { deployDir, sloRuleFile, sloTestFiles } from "./support/paths.js";
import { promtool, promtoolTest, writeRuleFile } from "./support/promtool.js";

const groups = loadAlertRuleGroups({}, sloRuleFile);
const rules = groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule) => rule.alert);
/** promtool on the full burn tests takes ~10 s of CPU; the machine is shared. */
const PROMTOOL_TIMEOUT_MS = 120_000;

const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"];
/** Burn-rate factor of each alert, by its long window. */
const FACTOR: Record<string, string> = { "1h": "14.4", "6h": "6", "1d": "3", "3d": "1" };

describe("SLO rules: what they record and alert on", () => {
  it("has one group per SLO, recording the error ratio over every window and sloth's metadata", () => {
    expect(groups.map((group) => group.name)).toEqual([
      "crisislen-api-requests-availability",
      "crisislen-api-requests-latency",
    ]);
    for (const group of groups) {
      const records = group.rules.filter((rule) => rule.record).map((rule) => rule.record);
      expect(records).toEqual([
        ...SLI_WINDOWS.map((window) => `slo:sli_error:ratio_rate${window}`),
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
      ]);
      for (const rule of group.rules.filter((r) => r.record?.startsWith("slo:sli_error:"))) {
        expect(rule.labels).toEqual({
          sloth_id: group.name,
          sloth_service: "crisislen-api",
          sloth_slo: group.name.replace("crisislen-api-", ""),
          sloth_window: rule.record?.replace("slo:sli_error:ratio_rate", ""),
        });
      }
    }
  });

  it("records the default objectives and budgets (99.9 % available, 99 % within 0.25 s)", () => {
    const expr = (group: number, record: string) =>
      groups[group]?.rules.find((rule) => rule.record === record)?.expr;
    expect([expr(0, "slo:objective:ratio"), expr(0, "slo:error_budget:ratio")]).toEqual([
      "vector(0.999)",
      "vector(0.001)",
    ]);
    expect([expr(1, "slo:objective:ratio"), expr(1, "slo:error_budget:ratio")]).toEqual([
      "vector(0.99)",
      "vector(0.01)",
    ]);
    expect(expr(1, "slo:sli_error:ratio_rate5m")).toContain('le="0.25"');
  });

  it("pages at 14.4× over 1h/5m and 6× over 6h/30m, tickets at 3× over 1d/2h and 1× over 3d/6h, for both SLOs", () => {
    const table = alerts.map((rule) => [
      rule.alert,
      rule.labels?.severity,
      rule.labels?.sloth_severity,
      rule.labels?.long,
      rule.labels?.short,
      Number(/\) > ([\d.]+)\n/.exec(rule.expr)?.[1]),
      rule.for,
    ]);
    const ladder = (slo: string) => [
      [`${slo}BudgetFastBurn`, "critical", "page", "1h", "5m", 14.4, "2m"],
      [`${slo}BudgetFastBurn`, "critical", "page", "6h", "30m", 6, "15m"],
      [`${slo}BudgetSlowBurn`, "warning", "ticket", "1d", "2h", 3, "1h"],
      [`${slo}BudgetSlowBurn`, "warning", "ticket", "3d", "6h", 1, "3h"],
    ];
    expect(table).toEqual([...ladder("Availability"), ...ladder("Latency")]);
    for (const rule of alerts) {
      // Both windows' ratios, each divided by the budget, compared with the same factor.
      const { long, short } = rule.labels ?? {};
      expect(rule.expr).toContain(`slo:sli_error:ratio_rate${long}{`);
      expect(rule.expr).toContain(`slo:sli_error:ratio_rate${short}{`);
      expect(rule.expr.match(/slo:error_budget:ratio\{/g)).toHaveLength(2);
    }
  });

  it("says in every alert which budget burns, how fast, and links its runbook section", () => {
    const readme = readFileSync(path.join(deployDir, "README.md"), "utf8");
    for (const rule of alerts) {
      const slo = rule.alert?.startsWith("Availability") ? "availability" : "latency";
      expect(rule.annotations?.summary).toBe(
        `The ${slo} error budget burns more than ${FACTOR[rule.labels?.long ?? ""]}× as fast as the SLO allows (${rule.labels?.long} and ${rule.labels?.short} windows).`,
      );
      expect(rule.annotations?.description).toContain('{{ $value | printf "%.1f" }}×');
      expect(rule.annotations?.runbook_url).toBe(
        `https://github.com/crisislen/observability/blob/main/deploy/README.md#${rule.alert?.toLowerCase()}`,
      );
      expect(readme, `deploy/README.md section for ${rule.alert}`).toContain(
        `\n### ${rule.alert}\n`,
      );
    }
  });

  it("passes promtool check rules (parse and lint: no duplicate series)", async () => {
    const dir = await writeRuleFile(groups, "slo-rules.yaml");
    const result = await promtool(["check", "rules", "slo-rules.yaml"], dir);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("SUCCESS: 38 rules found");
  });
});

describe("SLO rules: promtool unit tests", () => {
  const burnTests = readFileSync(sloTestFiles[0]!, "utf8");
  const windowTests = readFileSync(sloTestFiles[1]!, "utf8");
  const names = (text: string) =>
    (parse(text) as { tests: { name: string }[] }).tests.map((t) => t.name);

  it("tests every rate just above and just below, for both SLOs", () => {
    expect(names(burnTests)).toEqual([
      "14.4× (1h/5m): availability just above, at 14.41×; latency just below, at 14.39×",
      "14.4× (1h/5m): latency just above, at 14.41×; availability just below, at 14.39×",
      "6× (6h/30m): availability just above, at 6.01×; latency just below, at 5.99×",
      "6× (6h/30m): latency just above, at 6.01×; availability just below, at 5.99×",
      "3× (1d/2h): availability just above, at 3.01×; latency just below, at 2.99×",
      "3× (1d/2h): latency just above, at 3.01×; availability just below, at 2.99×",
      "1× (3d/6h): availability just above, at 1.01×; latency just below, at 0.99×",
      "1× (3d/6h): latency just above, at 1.01×; availability just below, at 0.99×",
    ]);
    expect(names(windowTests)).toEqual([
      "a burn at 15× after 6 healthy hours pages after 58 minutes plus for",
      "a 4-minute spike of availability errors does not page; 6 minutes of latency errors",
      "a 4-minute spike of latency errors does not page; 6 minutes of availability errors",
      "recording rules: exact ratios, objectives, budgets and burn rates",
      "recording rules: no 5xx series yet, and no traffic",
    ]);
  });

  it(
    "passes them all",
    async () => {
      const dir = await writeRuleFile(groups, "slo-rules.yaml");
      // Two promtool processes side by side: the two files are independent.
      const [burn, windows] = await Promise.all([
        promtoolTest(dir, burnTests, PROMTOOL_TIMEOUT_MS, "slo-burn.test.yaml"),
        promtoolTest(dir, windowTests, PROMTOOL_TIMEOUT_MS, "slo-windows.test.yaml"),
      ]);
      expect(burn.stdout + burn.stderr).toContain("SUCCESS");
      expect(burn.code).toBe(0);
      expect(windows.stdout + windows.stderr).toContain("SUCCESS");
      expect(windows.code).toBe(0);
    },
    PROMTOOL_TIMEOUT_MS,
  );

  it(
    "fail when a factor is loosened or the long window dropped (the tests can fail)",
    async () => {
      const only = (text: string, prefix: string) => {
        const file = parse(text) as { tests: { name: string }[] };
        file.tests = file.tests.filter((test) => test.name.startsWith(prefix));
        return stringify(file);
      };
      /** The rule file with `from` replaced by `to` in the 1h/5m page rules. */
      const mutated = (from: string, to: string) =>
        writeRuleFile(
          groups.map((group) => ({
            ...group,
            rules: group.rules.map((rule) =>
              rule.labels?.long === "1h" ? { ...rule, expr: rule.expr.replaceAll(from, to) } : rule,
            ),
          })),
          "slo-rules.yaml",
        );
      const loosened = await promtoolTest(
        await mutated("> 14.4", "> 14.5"),
        only(burnTests, "14.4×"),
        PROMTOOL_TIMEOUT_MS,
      );
      expect(loosened.code).not.toBe(0);
      expect(loosened.stdout + loosened.stderr).toContain(
        "alertname: AvailabilityBudgetFastBurn, time: 3m",
      );
      // Paging on the 5m window alone fires 7 minutes into the burn instead of 60.
      const shortOnly = await promtoolTest(
        await mutated("slo:sli_error:ratio_rate1h{", "slo:sli_error:ratio_rate5m{"),
        only(windowTests, "a burn at 15×"),
        PROMTOOL_TIMEOUT_MS,
      );
      expect(shortOnly.code).not.toBe(0);
      expect(shortOnly.stdout + shortOnly.stderr).toContain(
        "alertname: AvailabilityBudgetFastBurn, time: 6h59m",
      );
    },
    PROMTOOL_TIMEOUT_MS,
  );
});
