import { copyFile, cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chartDir } from "./paths.js";
import { parseManifests, type KubeObject } from "./manifests.js";
import { run, runTool, toolPath, type RunResult } from "./tools.js";
import { upstreamMissing, upstreamPackage } from "./upstream.js";

/** The CRD APIs the chart's capability checks look for; without them those templates render nothing. */
export const CRD_API_VERSIONS = ["monitoring.coreos.com/v1", "cert-manager.io/v1"];
export const KUBE_VERSION = "1.30.0";

export interface Chart {
  /** Copy of deploy/helm/crisislen with its postgresql/redis subcharts in charts/. */
  dir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * "real": the upstream bitnami packages (test/deploy/support/upstream.ts), as `helm dependency build`
 * leaves them; "stub": empty stand-ins, for the tests of our own templates and for machines without
 * the packages.
 */
export type Subcharts = "real" | "stub";

const prepared = new Map<Subcharts, Promise<Chart>>();

/** Helm's own state in a temp dir, and no kubeconfig: nothing outside the test is read or written. */
export function isolatedHelmEnv(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CACHE_HOME: path.join(root, "cache"),
    HELM_CONFIG_HOME: path.join(root, "config"),
    HELM_DATA_HOME: path.join(root, "data"),
    KUBECONFIG: path.join(root, "no-kubeconfig"),
  };
}

/** Copies the chart to a temp dir with its subcharts in charts/ (helm refuses to render without them). */
export function prepareChart(subcharts: Subcharts = "stub"): Promise<Chart> {
  let chart = prepared.get(subcharts);
  if (chart) return chart;
  chart = (async () => {
    const missing = subcharts === "real" ? upstreamMissing() : undefined;
    if (missing) throw new Error(`cannot render the real subcharts: ${missing}`);
    const root = await mkdtemp(path.join(tmpdir(), "crisislen-helm-"));
    const dir = path.join(root, "crisislen");
    await cp(chartDir, dir, { recursive: true });
    for (const name of ["postgresql", "redis"] as const) {
      if (subcharts === "real") {
        const from = upstreamPackage(name);
        await mkdir(path.join(dir, "charts"), { recursive: true });
        await copyFile(from, path.join(dir, "charts", path.basename(from)));
      } else {
        await mkdir(path.join(dir, "charts", name), { recursive: true });
        await writeFile(
          path.join(dir, "charts", name, "Chart.yaml"),
          `apiVersion: v2\nname: ${name}\nversion: 0.0.1-stub\n`,
        );
      }
    }
    return { dir, env: isolatedHelmEnv(root) };
  })();
  prepared.set(subcharts, chart);
  return chart;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Values files, relative to the chart (e.g. "values-production.yaml") or absolute. */
  valuesFiles?: string[];
  /** `--set` pairs. */
  set?: string[];
  /** @default CRD_API_VERSIONS */
  apiVersions?: string[];
  /**
   * Adds `secret.allowPlaceholders=true`, the explicit opt-in without which the chart refuses its
   * CHANGE_ME defaults; tests of everything else render the defaults the way a throwaway cluster would.
   * @default true
   */
  allowPlaceholders?: boolean;
  /** @default "stub" */
  subcharts?: Subcharts;
}

function valuesArgs(chart: Chart, options: RenderOptions): string[] {
  const files = (options.valuesFiles ?? []).flatMap((f) => ["-f", path.resolve(chart.dir, f)]);
  const optIn = options.allowPlaceholders === false ? [] : ["secret.allowPlaceholders=true"];
  const sets = [...optIn, ...(options.set ?? [])].flatMap((s) => ["--set", s]);
  return [...files, ...sets];
}

/** `helm template`, raw result (for asserting failures). */
export async function helmTemplateRaw(options: RenderOptions = {}): Promise<RunResult> {
  const chart = await prepareChart(options.subcharts);
  const apis = (options.apiVersions ?? CRD_API_VERSIONS).flatMap((a) => ["--api-versions", a]);
  return run(
    toolPath("helm"),
    [
      "template",
      options.release ?? "crisislen",
      chart.dir,
      "--namespace",
      options.namespace ?? "crisislen",
      "--kube-version",
      KUBE_VERSION,
      ...apis,
      ...valuesArgs(chart, options),
    ],
    { env: chart.env },
  );
}

/** `helm template`, parsed; throws with helm's message when rendering fails. */
export async function helmTemplate(options: RenderOptions = {}): Promise<KubeObject[]> {
  const result = await helmTemplateRaw(options);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm lint --strict` (warnings are failures); resolves with stdout and stderr. */
export async function helmLint(
  valuesFiles: string[] = [],
  options: Pick<RenderOptions, "subcharts" | "set" | "allowPlaceholders"> = {},
): Promise<RunResult> {
  const chart = await prepareChart(options.subcharts);
  const args = [
    "lint",
    chart.dir,
    "--strict",
    "--kube-version",
    KUBE_VERSION,
    ...valuesArgs(chart, { ...options, valuesFiles }),
  ];
  const result = await run(toolPath("helm"), args, { env: chart.env });
  if (result.code !== 0)
    throw new Error(
      `helm ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  return result;
}

/**
 * helm 4 renders NOTES.txt without a cluster through `install --dry-run=client`. That command takes
 * no --api-versions, so the notes see a cluster without the CRD APIs.
 */
export async function helmNotes(options: Omit<RenderOptions, "apiVersions"> = {}): Promise<string> {
  const chart = await prepareChart(options.subcharts);
  const out = await runTool(
    "helm",
    [
      "install",
      options.release ?? "crisislen",
      chart.dir,
      "--dry-run=client",
      "--namespace",
      options.namespace ?? "crisislen",
      ...valuesArgs(chart, options),
    ],
    { env: chart.env },
  );
  const notes = out.indexOf("NOTES:\n");
  if (notes < 0) throw new Error(`no NOTES in helm install --dry-run output:\n${out}`);
  return out.slice(notes + "NOTES:\n".length);
}
