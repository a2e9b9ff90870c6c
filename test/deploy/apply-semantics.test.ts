/**
 * What `kubectl apply` of the kustomize path sends to a cluster, recorded by a stand-in API server on
 * 127.0.0.1 (support/api-server.ts) and computed by the real kubectl:
 * - finding #1: a deploy must not send spec.replicas, so a Deployment the HPA scaled to 12 stays at 12
 *   (steady state, and the upgrade from a Deployment last applied with `replicas: 3`, which deploy.sh
 *   handles with `kubectl apply set-last-applied`);
 * - finding #7: changing a config or secret value must change the Deployment's pod template (a new
 *   hash-suffixed ConfigMap/Secret name), which is what rolls the pods.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { StandInApiServer } from "./support/api-server.js";
import { k8sWithSecrets, kustomize } from "./support/kustomize.js";
import type { KubeObject } from "./support/manifests.js";
import { run, toolPath } from "./support/tools.js";

const NAMESPACE = "crisislen";
const HPA_REPLICAS = 12;

let dir: string;
let k8s: string;
let server: StandInApiServer;

/** Runs the real kubectl against the stand-in server; throws with its output on failure. */
async function kubectl(...args: string[]): Promise<string> {
  const result = await run(
    toolPath("kubectl"),
    [
      `--kubeconfig=${path.join(dir, "kubeconfig")}`,
      `--server=${server.url}`,
      `--cache-dir=${path.join(dir, "cache")}`,
      ...args,
    ],
    { timeoutMs: 30_000 },
  );
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Writes objects to a file for `kubectl apply -f` (kubectl's client-side apply, as deploy.sh uses). */
async function manifest(name: string, objects: KubeObject[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, objects.map((o) => `---\n${stringify(o)}`).join(""));
  return file;
}

const withImage = (deployment: KubeObject, image: string): KubeObject => {
  const copy = structuredClone(deployment) as KubeObject & {
    spec: { template: { spec: { containers: { image: string }[] } } };
  };
  copy.spec.template.spec.containers[0]!.image = image;
  return copy;
};

/** The live Deployment an HPA scaled out, last applied from `lastApplied`. */
function scaledDeployment(lastApplied: KubeObject): KubeObject {
  return {
    ...structuredClone(lastApplied),
    metadata: {
      ...lastApplied.metadata,
      annotations: {
        ...lastApplied.metadata.annotations,
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(lastApplied),
      },
    },
    spec: { ...(lastApplied.spec as object), replicas: HPA_REPLICAS },
  } as KubeObject;
}

const build = async (overlay = path.join(k8s, "overlays/production")) => kustomize(overlay);
const deploymentOf = (objects: KubeObject[]) => objects.find((o) => o.kind === "Deployment")!;
const patchesOf = (kind: string) =>
  server.writes.filter((w) => w.method === "PATCH" && w.target.startsWith(kind));
const replicasIn = (body: Record<string, unknown>) =>
  "replicas" in ((body.spec as object | undefined) ?? {});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "crisislen-apply-"));
  await writeFile(path.join(dir, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
  k8s = await k8sWithSecrets();
});

afterAll(async () => server?.stop());

describe("kubectl apply of the kustomize path against a stand-in API server", () => {
  beforeAll(async () => {
    server = await new StandInApiServer().start();
  });

  it("leaves a Deployment the HPA scaled to 12 at 12 when a new release is applied", async () => {
    const current = deploymentOf(await build());
    server.put(scaledDeployment(current));
    const release = withImage(current, "ghcr.io/crisislen/crisislen-api:0.2.0");
    await kubectl("apply", "--validate=false", "-f", await manifest("release.yaml", [release]));
    const [patch] = patchesOf("Deployment");
    expect(JSON.stringify(patch?.body)).toContain("crisislen-api:0.2.0");
    expect(replicasIn(patch!.body)).toBe(false);
    expect(
      (server.get("Deployment", NAMESPACE, "crisislen-api")?.spec as { replicas: number }).replicas,
    ).toBe(HPA_REPLICAS);
  });

  it("upgrading from a Deployment last applied with replicas: 3 — plain apply would delete the field, deploy.sh's set-last-applied first keeps 12", async () => {
    const current = deploymentOf(await build());
    const old = { ...current, spec: { ...(current.spec as object), replicas: 3 } } as KubeObject;
    const file = await manifest("current.yaml", [
      withImage(current, "ghcr.io/crisislen/crisislen-api:0.2.0"),
    ]);

    // A plain apply sends replicas: null, which the API server defaults back to 1.
    server.writes.length = 0;
    server.put(scaledDeployment(old));
    await kubectl("apply", "--validate=false", "-f", file);
    expect(
      patchesOf("Deployment").map(
        (w) => (w.body.spec as { replicas?: unknown } | undefined)?.replicas,
      ),
    ).toEqual([null]);

    // deploy.sh's sequence (hand_replicas_to_hpa, then the app step).
    server.writes.length = 0;
    server.put(scaledDeployment(old));
    await kubectl("apply", "set-last-applied", "-f", file);
    await kubectl("apply", "--validate=false", "-f", file);
    const writes = patchesOf("Deployment");
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w) => replicasIn(w.body))).toEqual([]);
    expect(
      (server.get("Deployment", NAMESPACE, "crisislen-api")?.spec as { replicas: number }).replicas,
    ).toBe(HPA_REPLICAS);
  });

  it("rolls the pods on a config change, a secret change and a database password change: new hash-suffixed names in the pod template", async () => {
    const kinds = new Set(["ConfigMap", "Secret", "Deployment"]);
    const appObjects = async () => (await build()).filter((o) => kinds.has(o.kind));
    const first = await appObjects();
    await kubectl("apply", "--validate=false", "-f", await manifest("first.yaml", first));

    const configEnv = path.join(k8s, "base/config.env");
    const secretsEnv = path.join(k8s, "overlays/production/secrets.env");
    const passwordsEnv = path.join(k8s, "overlays/production/db-passwords.env");
    const [config, secrets, passwords] = await Promise.all([
      readFile(configEnv, "utf8"),
      readFile(secretsEnv, "utf8"),
      readFile(passwordsEnv, "utf8"),
    ]);
    const envFrom = () =>
      JSON.stringify(
        (
          server.get("Deployment", NAMESPACE, "crisislen-api")?.spec as {
            template: { spec: { containers: { envFrom: unknown }[] } };
          }
        ).template.spec.containers[0]!.envFrom,
      );
    try {
      for (const [file, changed] of [
        [configEnv, config.replace("LOG_LEVEL=info", "LOG_LEVEL=debug")],
        [secretsEnv, secrets.replace(/^SECRET_KEY=.*$/m, "SECRET_KEY=rotated")],
        // The app's Secret carries the passwords too (its URLs), so rotating one rolls the pods.
        [passwordsEnv, passwords.replace(/^REDIS_PASSWORD=.*$/m, "REDIS_PASSWORD=rotated")],
      ] as const) {
        const before = envFrom();
        await writeFile(file, changed);
        server.writes.length = 0;
        await kubectl(
          "apply",
          "--validate=false",
          "-f",
          await manifest("changed.yaml", await appObjects()),
        );
        const created = server.writes.filter((w) => w.method === "POST").map((w) => w.target);
        expect(created, file).toHaveLength(1);
        const template = patchesOf("Deployment").map((w) => JSON.stringify(w.body));
        expect(template, file).toHaveLength(1);
        const newName = created[0]!.split("/")[1]!;
        expect(template[0], file).toContain(newName);
        expect(envFrom(), file).not.toBe(before);
      }
    } finally {
      await Promise.all([
        writeFile(configEnv, config),
        writeFile(secretsEnv, secrets),
        writeFile(passwordsEnv, passwords),
      ]);
    }
  });
});
