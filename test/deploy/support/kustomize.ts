import { parseManifests, type KubeObject } from "./manifests.js";
import { runTool } from "./tools.js";

/** `kubectl kustomize <dir>`, parsed. Works offline; it does no schema validation itself. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  return parseManifests(await runTool("kubectl", ["kustomize", dir]));
}
