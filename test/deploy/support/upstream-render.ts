/** Renders the upstream charts deploy.sh installs, with the values files it passes. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isolatedHelmEnv, KUBE_VERSION } from "./helm.js";
import { parseManifests, type KubeObject } from "./manifests.js";
import { run, toolPath } from "./tools.js";
import { upstreamPackage, type UpstreamChart } from "./upstream.js";

export interface Rendered {
  objects: KubeObject[];
  /** helm's warnings (e.g. "cannot overwrite table with non table"); "" when clean. */
  stderr: string;
}

/**
 * `helm template` of an upstream package as deploy.sh installs it (release, namespace, values
 * files, `--set` pairs), offline. Throws with helm's message when it fails.
 */
export async function renderUpstream(
  chart: UpstreamChart,
  release: string,
  namespace: string,
  valuesFiles: string[],
  set: string[] = [],
): Promise<Rendered> {
  const root = await mkdtemp(path.join(tmpdir(), "crisislen-upstream-"));
  const args = [
    "template",
    release,
    upstreamPackage(chart),
    "--namespace",
    namespace,
    "--kube-version",
    KUBE_VERSION,
    ...valuesFiles.flatMap((file) => ["-f", file]),
    ...set.flatMap((pair) => ["--set", pair]),
  ];
  const result = await run(toolPath("helm"), args, {
    env: isolatedHelmEnv(root),
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${result.stderr}`);
  return { objects: parseManifests(result.stdout), stderr: result.stderr };
}

/** `helm lint --strict` of an upstream package with our values files; resolves with helm's output. */
export async function lintUpstream(chart: UpstreamChart, valuesFiles: string[]): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "crisislen-upstream-"));
  const args = [
    "lint",
    upstreamPackage(chart),
    "--strict",
    "--kube-version",
    KUBE_VERSION,
    ...valuesFiles.flatMap((file) => ["-f", file]),
  ];
  const result = await run(toolPath("helm"), args, {
    env: isolatedHelmEnv(root),
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${result.stdout}`);
  return result.stdout + result.stderr;
}
