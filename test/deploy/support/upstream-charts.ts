/**
 * The real upstream charts deploy.sh installs (jaeger, opentelemetry-collector,
 * kube-prometheus-stack), rendered with `helm template` from the packages in ../shared/charts —
 * exactly what `helm dependency build` or a chart repository would hand helm. Where that folder is
 * absent (a fresh clone), tests skip with UPSTREAM_CHARTS_MISSING as the reason.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseManifests, type KubeObject } from "./manifests.js";
import { repoRoot } from "./paths.js";
import { run, toolPath } from "./tools.js";

/** Where the chart packages are: CRISISLEN_UPSTREAM_CHARTS, else ../shared/charts next to the repository. */
export const upstreamChartsDir = path.resolve(
  process.env.CRISISLEN_UPSTREAM_CHARTS ?? path.join(repoRoot, "../shared/charts"),
);

/** The chart packages deploy/ pins, by name. */
export const UPSTREAM_CHARTS = {
  jaeger: "jaeger-4.11.1.tgz",
  "opentelemetry-collector": "opentelemetry-collector-0.170.0.tgz",
  "kube-prometheus-stack": "kube-prometheus-stack-88.5.3.tgz",
} as const;
export type UpstreamChart = keyof typeof UPSTREAM_CHARTS;

export const upstreamChartsAvailable = Object.values(UPSTREAM_CHARTS).every((file) =>
  existsSync(path.join(upstreamChartsDir, file)),
);
export const UPSTREAM_CHARTS_MISSING = `the upstream chart packages are not in ${upstreamChartsDir} (set CRISISLEN_UPSTREAM_CHARTS to a folder holding ${Object.values(UPSTREAM_CHARTS).join(", ")})`;

/** The Kubernetes version and CRD APIs the monitoring namespace has once kube-prometheus-stack is in. */
export const UPSTREAM_KUBE_VERSION = "1.30.0";
export const MONITORING_APIS = ["monitoring.coreos.com/v1"];

export interface UpstreamRender {
  release: string;
  /** @default "monitoring" */
  namespace?: string;
  /** Values files, absolute or relative to the repository root. */
  valuesFiles?: string[];
  set?: string[];
  /** @default MONITORING_APIS */
  apiVersions?: string[];
}

let helmHome: Promise<NodeJS.ProcessEnv> | undefined;
/** helm with its own empty config/cache dirs and no kubeconfig: nothing from the user's machine leaks in. */
function helmEnv(): Promise<NodeJS.ProcessEnv> {
  helmHome ??= mkdtemp(path.join(tmpdir(), "crisislen-upstream-")).then((root) => ({
    ...process.env,
    HELM_CACHE_HOME: path.join(root, "cache"),
    HELM_CONFIG_HOME: path.join(root, "config"),
    HELM_DATA_HOME: path.join(root, "data"),
    KUBECONFIG: path.join(root, "no-kubeconfig"),
  }));
  return helmHome;
}

function args(chart: UpstreamChart, options: UpstreamRender): string[] {
  return [
    path.join(upstreamChartsDir, UPSTREAM_CHARTS[chart]),
    "--namespace",
    options.namespace ?? "monitoring",
    ...(options.valuesFiles ?? []).flatMap((f) => ["-f", path.resolve(repoRoot, f)]),
    ...(options.set ?? []).flatMap((s) => ["--set", s]),
  ];
}

/** `helm template` of an upstream chart, parsed; throws with helm's message when it fails. */
export async function renderUpstream(
  chart: UpstreamChart,
  options: UpstreamRender,
): Promise<KubeObject[]> {
  const apis = (options.apiVersions ?? MONITORING_APIS).flatMap((a) => ["--api-versions", a]);
  const result = await run(
    toolPath("helm"),
    [
      "template",
      options.release,
      ...args(chart, options),
      "--kube-version",
      UPSTREAM_KUBE_VERSION,
      ...apis,
    ],
    { env: await helmEnv(), timeoutMs: 60_000 },
  );
  if (result.code !== 0) {
    throw new Error(`helm template ${chart} (${options.release}) failed:\n${result.stderr}`);
  }
  return parseManifests(result.stdout);
}

/** `helm lint --strict` of an upstream chart with our values; resolves with helm's output. */
export async function lintUpstream(chart: UpstreamChart, options: UpstreamRender): Promise<string> {
  const result = await run(
    toolPath("helm"),
    ["lint", ...args(chart, options), "--strict", "--kube-version", UPSTREAM_KUBE_VERSION],
    { env: await helmEnv(), timeoutMs: 60_000 },
  );
  if (result.code !== 0) {
    throw new Error(`helm lint ${chart} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

/** A describe title that says why it is skipped when the chart packages are absent. */
export const upstreamTitle = (title: string): string =>
  upstreamChartsAvailable ? title : `${title} — skipped: ${UPSTREAM_CHARTS_MISSING}`;
