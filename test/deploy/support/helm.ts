import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chartDir } from "./paths.js";
import { parseManifests, type KubeObject } from "./manifests.js";
import { run, runTool, toolPath, type RunResult } from "./tools.js";

/** The CRD APIs the chart's capability checks look for; without them those templates render nothing. */
export const CRD_API_VERSIONS = ["monitoring.coreos.com/v1", "cert-manager.io/v1"];
export const KUBE_VERSION = "1.30.0";

export interface Chart {
  /** Copy of deploy/helm/crisislen with stub subcharts, so no registry is needed. */
  dir: string;
  env: NodeJS.ProcessEnv;
}

let prepared: Promise<Chart> | undefined;

/**
 * Copies the chart to a temp dir and adds stub postgresql/redis subcharts: the real ones come from
 * an OCI registry, and helm refuses to lint or render while a dependency is missing from charts/.
 */
export function prepareChart(): Promise<Chart> {
  prepared ??= (async () => {
    const root = await mkdtemp(path.join(tmpdir(), "crisislen-helm-"));
    const dir = path.join(root, "crisislen");
    await cp(chartDir, dir, { recursive: true });
    for (const name of ["postgresql", "redis"]) {
      await mkdir(path.join(dir, "charts", name), { recursive: true });
      await writeFile(
        path.join(dir, "charts", name, "Chart.yaml"),
        `apiVersion: v2\nname: ${name}\nversion: 0.0.1-stub\n`,
      );
    }
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(root, "cache"),
      HELM_CONFIG_HOME: path.join(root, "config"),
      HELM_DATA_HOME: path.join(root, "data"),
      KUBECONFIG: path.join(root, "no-kubeconfig"),
    };
    return { dir, env };
  })();
  return prepared;
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
}

function valuesArgs(chart: Chart, options: RenderOptions): string[] {
  const files = (options.valuesFiles ?? []).flatMap((f) => ["-f", path.resolve(chart.dir, f)]);
  const sets = (options.set ?? []).flatMap((s) => ["--set", s]);
  return [...files, ...sets];
}

/** `helm template`, raw result (for asserting failures). */
export async function helmTemplateRaw(options: RenderOptions = {}): Promise<RunResult> {
  const chart = await prepareChart();
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

/** `helm lint --strict` (warnings are failures). */
export async function helmLint(valuesFiles: string[] = []): Promise<string> {
  const chart = await prepareChart();
  return runTool(
    "helm",
    [
      "lint",
      chart.dir,
      "--strict",
      "--kube-version",
      KUBE_VERSION,
      ...valuesArgs(chart, { valuesFiles }),
    ],
    { env: chart.env },
  );
}

/**
 * helm 4 renders NOTES.txt without a cluster through `install --dry-run=client`. That command takes
 * no --api-versions, so the notes see a cluster without the CRD APIs.
 */
export async function helmNotes(options: Omit<RenderOptions, "apiVersions"> = {}): Promise<string> {
  const chart = await prepareChart();
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
