/**
 * The SLOs are configured in two places, with one template (helm/crisislen/templates/_slo.tpl):
 * the chart's `slo:` values, and for kustomize each overlay's monitoring/slo-values.yaml rendered
 * into slo-rules.yaml by deploy/scripts/render-slo-rules.sh. Both render the same rules for the
 * same values, and both refuse an objective outside (0, 1) or a threshold that is not a bucket.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { helmTemplate, helmTemplateRaw } from "./support/helm.js";
import { kustomize } from "./support/kustomize.js";
import { findOne, parseManifests, type KubeObject } from "./support/manifests.js";
import { monitoringOverlayDir, renderSloScript } from "./support/paths.js";
import { run, runTool, toolPath } from "./support/tools.js";

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type SloRule = KubeObject & { spec: { groups: { name: string; rules: Rule[] }[] } };

const ENVIRONMENTS = [
  ["production", "crisislen"],
  ["staging", "crisislen-staging"],
] as const;

/** deploy/scripts/render-slo-rules.sh with the repo's helm. */
function renderSlo(args: string[]) {
  return run("bash", [renderSloScript, ...args], {
    env: { ...process.env, HELM: toolPath("helm") },
    timeoutMs: 30_000,
  });
}

async function valuesFile(slo: object): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "crisislen-slo-values-"));
  const file = path.join(dir, "slo-values.yaml");
  await writeFile(file, stringify({ slo }));
  return file;
}

/** The chart's SLO PrometheusRule for release crisislen-api in namespace crisislen. */
async function chartSloRule(valuesFiles: string[] = [], set: string[] = []): Promise<SloRule> {
  const objects = await helmTemplate({ release: "crisislen-api", valuesFiles, set });
  return findOne<SloRule>(objects, "PrometheusRule", "crisislen-api-slo");
}

const rulesOf = (rule: SloRule) => rule.spec.groups.flatMap((group) => group.rules);
const exprOf = (rule: SloRule, record: string, sloth: string) =>
  rulesOf(rule).find((r) => r.record === record && (r.labels?.sloth_id ?? "").endsWith(sloth))
    ?.expr;
const latencySlis = (rule: SloRule) =>
  rulesOf(rule).filter(
    (r) =>
      r.labels?.sloth_slo === "requests-latency" &&
      r.record?.startsWith("slo:sli_error:") &&
      r.labels.sloth_window !== "30d",
  );

describe("SLO rules for kustomize: each overlay's slo-rules.yaml", () => {
  for (const [env, namespace] of ENVIRONMENTS) {
    it(`${env}: is exactly what render-slo-rules.sh makes of its slo-values.yaml, for namespace ${namespace}`, async () => {
      const dir = monitoringOverlayDir(env);
      const rendered = await renderSlo(["-n", namespace, "-f", path.join(dir, "slo-values.yaml")]);
      expect(rendered.stderr).toBe("");
      expect(rendered.code).toBe(0);
      expect(await readFile(path.join(dir, "slo-rules.yaml"), "utf8")).toBe(rendered.stdout);
    });

    it(`${env}: the monitoring overlay adds them to deploy/monitoring, all in ${namespace}, watching ${namespace}`, async () => {
      const objects = await kustomize(monitoringOverlayDir(env));
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        "ConfigMap/crisislen-grafana-dashboard",
        "PrometheusRule/crisislen-api",
        "PrometheusRule/crisislen-api-slo",
        "ServiceMonitor/crisislen-api",
      ]);
      expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([namespace]));
      const slo = findOne<SloRule>(objects, "PrometheusRule", "crisislen-api-slo");
      expect(slo.metadata.labels?.release).toBe("kube-prometheus-stack");
      for (const rule of latencySlis(slo)) {
        expect(rule.expr.match(/namespace="([^"]+)"/g)).toEqual([
          `namespace="${namespace}"`,
          `namespace="${namespace}"`,
        ]);
      }
    });
  }
});

describe("SLO rules from the chart", () => {
  it("are the production overlay's rules when release and namespace match (one template)", async () => {
    const overlay = parseManifests(
      await readFile(path.join(monitoringOverlayDir("production"), "slo-rules.yaml"), "utf8"),
    )[0] as SloRule;
    expect((await chartSloRule()).spec).toEqual(overlay.spec);
  });

  it("follow changed values the same way on both paths: objectives, budgets, threshold", async () => {
    const file = await valuesFile({
      availability: { objective: 0.995 },
      latency: { objective: 0.95, thresholdSeconds: 0.5 },
    });
    const chart = await chartSloRule([file]);
    const script = await renderSlo(["-n", "crisislen", "-f", file]);
    expect(script.code).toBe(0);
    expect((parseManifests(script.stdout)[0] as SloRule).spec).toEqual(chart.spec);
    expect(exprOf(chart, "slo:objective:ratio", "availability")).toBe("vector(0.995)");
    expect(exprOf(chart, "slo:error_budget:ratio", "availability")).toBe("vector(0.005)");
    expect(exprOf(chart, "slo:objective:ratio", "latency")).toBe("vector(0.95)");
    expect(exprOf(chart, "slo:error_budget:ratio", "latency")).toBe("vector(0.05)");
    const slis = latencySlis(chart);
    expect(slis).toHaveLength(7);
    for (const rule of slis) expect(rule.expr).toContain('le="0.5"}');
    const info = rulesOf(chart).filter((r) => r.record === "sloth_slo_info");
    expect(info.map((r) => r.labels?.sloth_objective)).toEqual(["99.5", "95"]);
    const page = rulesOf(chart).find((r) => r.alert === "LatencyBudgetFastBurn");
    expect(page?.annotations?.description).toContain(
      "the share of requests slower than 0.5 s was {{ $value",
    );
    expect(page?.annotations?.description).toContain("(95 % within 0.5 s over 30 days");
  });

  it("take --set values as in deploy/README.md (helm passes --set numbers as strings)", async () => {
    const chart = await chartSloRule(
      [],
      ["slo.availability.objective=0.995", "slo.latency.thresholdSeconds=0.5"],
    );
    expect(exprOf(chart, "slo:objective:ratio", "availability")).toBe("vector(0.995)");
    for (const rule of latencySlis(chart)) expect(rule.expr).toContain('le="0.5"}');
  });

  it("match an integer threshold both as the app prints it (1) and as Prometheus 3 stores it (1.0)", async () => {
    const chart = await chartSloRule([], ["slo.latency.thresholdSeconds=1"]);
    for (const rule of latencySlis(chart)) expect(rule.expr).toContain('le=~"1|1\\\\.0"}');
  });

  it("accept a threshold outside the default buckets once it is one of slo.latency.buckets (0.3)", async () => {
    const file = await valuesFile({
      latency: { objective: 0.99, thresholdSeconds: 0.3, buckets: [0.1, 0.3, 1] },
    });
    for (const rule of latencySlis(await chartSloRule([file]))) {
      expect(rule.expr).toContain('le="0.3"}');
    }
  });

  it("are left out with slo.enabled=false, and without the monitoring.coreos.com/v1 API", async () => {
    const names = (objects: KubeObject[]) =>
      objects.filter((o) => o.kind === "PrometheusRule").map((o) => o.metadata.name);
    expect(names(await helmTemplate({ set: ["slo.enabled=false"] }))).toEqual(["crisislen"]);
    expect(names(await helmTemplate({ apiVersions: [] }))).toEqual([]);
  });
});

describe("invalid SLO values are refused at render time, naming the value", () => {
  const OBJECTIVE_MESSAGE = (key: string, value: string) =>
    `crisislen: ${key} is ${value}; it must be a ratio strictly between 0 and 1, e.g. 0.999 for 99.9 %`;
  const THRESHOLD_MESSAGE =
    'crisislen: slo.latency.thresholdSeconds is 0.3, which is not one of slo.latency.buckets (0.005 0.01 0.025 0.05 0.075 0.1 0.25 0.5 0.75 1 2.5 5 7.5 10). The latency SLI counts the requests in the histogram bucket le="<threshold>", so the threshold must be a bucket bound the app emits: pick one of those, or add it to the app\'s durationBuckets option and to slo.latency.buckets';

  const invalid: [string, object, string][] = [
    [
      "availability 99.9 (a percentage)",
      { availability: { objective: 99.9 } },
      OBJECTIVE_MESSAGE("slo.availability.objective", "99.9"),
    ],
    [
      "availability 1",
      { availability: { objective: 1 } },
      OBJECTIVE_MESSAGE("slo.availability.objective", "1"),
    ],
    [
      "availability 1.5",
      { availability: { objective: 1.5 } },
      OBJECTIVE_MESSAGE("slo.availability.objective", "1.5"),
    ],
    ["latency 0", { latency: { objective: 0 } }, OBJECTIVE_MESSAGE("slo.latency.objective", "0")],
    [
      'latency "abc"',
      { latency: { objective: "abc" } },
      OBJECTIVE_MESSAGE("slo.latency.objective", "abc"),
    ],
    [
      "threshold 0.3 (not a default bucket)",
      { latency: { thresholdSeconds: 0.3 } },
      THRESHOLD_MESSAGE,
    ],
  ];
  /** The chart's defaults with `override` merged in, as a values file. */
  const withDefaults = (override: object) => {
    const slo = {
      availability: { objective: 0.999 },
      latency: { objective: 0.99, thresholdSeconds: 0.25 },
    };
    for (const [key, value] of Object.entries(override))
      Object.assign(slo[key as keyof typeof slo], value);
    return valuesFile(slo);
  };

  for (const [name, override, message] of invalid) {
    it(`${name}: helm fails`, async () => {
      const result = await helmTemplateRaw({ valuesFiles: [await withDefaults(override)] });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(message);
    });

    it(`${name}: render-slo-rules.sh fails with the same message and prints no rules`, async () => {
      const result = await renderSlo(["-n", "crisislen", "-f", await withDefaults(override)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim()).toBe(message.replace("crisislen: ", "render-slo-rules.sh: "));
    });
  }

  it("helm also refuses a misspelled key through the values schema", async () => {
    const result = await helmTemplateRaw({ set: ["slo.availabilty.objective=0.99"] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/availabilty/);
  });

  it("render-slo-rules.sh needs a namespace, and is shellcheck-clean", async () => {
    const result = await renderSlo([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: render-slo-rules.sh -n NAMESPACE");
    expect(await runTool("shellcheck", [renderSloScript])).toBe("");
  });
});

describe("slo-values.yaml of the overlays", () => {
  it("use the chart's keys, and the overlays' values are valid for the chart too", async () => {
    for (const [env] of ENVIRONMENTS) {
      const file = path.join(monitoringOverlayDir(env), "slo-values.yaml");
      const values = parse(await readFile(file, "utf8")) as { slo: Record<string, unknown> };
      expect(Object.keys(values.slo).sort()).toEqual(["availability", "latency"]);
      expect((await chartSloRule([file])).kind).toBe("PrometheusRule");
    }
  });
});
