/**
 * The dashboard's `cluster` variable: one Grafana over a long-term store that holds several
 * clusters (the metrics scale-out tier's `cluster` external label) shows one cluster or all, and
 * the same dashboard still answers on a single Prometheus whose series carry no cluster label
 * ("All" is `.*`, which an absent label matches). Both copies of the dashboard are checked.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { substituteVariables, DEFAULT_VARIABLES } from "./support/dashboard-queries.js";
import { chartDir, dashboardFile } from "./support/paths.js";

interface Variable {
  name: string;
  type: string;
  includeAll?: boolean;
  allValue?: string;
  current?: { value: string };
  query?: { query: string };
}
interface Dashboard {
  templating: { list: Variable[] };
  panels: { title: string; targets?: { expr?: string }[] }[];
}

/** The text of every vector selector's `{…}` in `expr` (an absent one as ""). */
function selectors(expr: string): string[] {
  const found: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return;
      const braces = node.node.getChild("LabelMatchers");
      found.push(braces ? expr.slice(braces.from, braces.to) : "");
    },
  });
  return found;
}

for (const file of [dashboardFile, path.join(chartDir, "files/crisislen-overview.json")]) {
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as Dashboard;
  const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name)!;

  describe(`dashboard cluster variable (${path.basename(path.dirname(file))}/${path.basename(file)})`, () => {
    it("offers every cluster the store has, and All (.*) by default", () => {
      expect(variable("cluster")).toMatchObject({
        type: "query",
        includeAll: true,
        allValue: ".*",
        current: { value: "$__all" },
        query: { query: "label_values(crisislen_workflows_active, cluster)" },
      });
    });

    it("narrows the namespace and job choices to the chosen cluster", () => {
      expect(variable("namespace").query?.query).toBe(
        'label_values(crisislen_workflows_active{cluster=~"$cluster"}, namespace)',
      );
      expect(variable("job").query?.query).toBe(
        'label_values(crisislen_workflows_active{cluster=~"$cluster", namespace="$namespace"}, job)',
      );
    });

    it('every selector of every panel query filters on cluster=~"$cluster"', () => {
      let count = 0;
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const expr = substituteVariables(target.expr ?? "", {
            ...DEFAULT_VARIABLES,
            cluster: "$cluster",
          });
          for (const braces of selectors(expr)) {
            count++;
            expect(braces, `${panel.title}: ${target.expr}`).toMatch(/^\{cluster=~"\$cluster", /);
          }
        }
      }
      expect(count).toBeGreaterThanOrEqual(12);
    });
  });
}
