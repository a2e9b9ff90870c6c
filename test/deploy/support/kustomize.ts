import { cp, copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseManifests, type KubeObject } from "./manifests.js";
import { deployDir } from "./paths.js";
import { runTool } from "./tools.js";

/** `kubectl kustomize <dir>`, parsed. Works offline; it does no schema validation itself. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  return parseManifests(await runTool("kubectl", ["kustomize", dir]));
}

let k8sCopy: Promise<string> | undefined;

/**
 * A temp copy of deploy/k8s in which each overlay has the secrets.env and db-passwords.env it
 * generates its Secrets from (git-ignored, so absent from a checkout): the committed templates,
 * placeholders and all, as a user's copies look before they are filled in. Made once per test file.
 */
export function k8sWithSecrets(): Promise<string> {
  k8sCopy ??= (async () => {
    const root = await mkdtemp(path.join(tmpdir(), "crisislen-k8s-"));
    const k8s = path.join(root, "k8s");
    await cp(path.join(deployDir, "k8s"), k8s, { recursive: true });
    for (const env of ["staging", "production"]) {
      for (const file of ["secrets.env", "db-passwords.env"]) {
        await copyFile(
          path.join(k8s, `overlays/${file}.example`),
          path.join(k8s, "overlays", env, file),
        );
      }
    }
    return k8s;
  })();
  return k8sCopy;
}

/** An overlay of deploy/k8s, built with the template env files in place. */
export async function kustomizeOverlay(env: "staging" | "production"): Promise<KubeObject[]> {
  return kustomize(path.join(await k8sWithSecrets(), "overlays", env));
}
