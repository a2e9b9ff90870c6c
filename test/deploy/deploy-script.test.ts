import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { deployScript } from "./support/paths.js";
import { run, runTool } from "./support/tools.js";

const GOOD_SECRETS = [
  "DATABASE_URL=postgresql://crisislen:s3cret@crisislen-postgresql:5432/crisislen",
  "REDIS_URL=redis://:r3dis@crisislen-redis-master:6379/0",
  "SECRET_KEY=0123456789abcdef",
  "POSTGRES_PASSWORD=s3cret",
  "REDIS_PASSWORD=r3dis",
].join("\n");

let sandbox: string;

/** Stand-in kubectl and helm: log their arguments, succeed, print nothing (helm/kubectl are never run). */
beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), "crisislen-deploy-sh-"));
  for (const name of ["kubectl", "helm"]) {
    const stub = path.join(sandbox, name);
    await writeFile(stub, `#!/usr/bin/env bash\necho "${name} $*" >> "$CALL_LOG"\n`);
    await chmod(stub, 0o755);
  }
});

async function deploy(
  args: string[],
  secrets: string | undefined,
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const dir = await mkdtemp(path.join(sandbox, "run-"));
  const callLog = path.join(dir, "calls.log");
  await writeFile(callLog, "");
  const env: NodeJS.ProcessEnv = {
    PATH: `${sandbox}:/usr/bin:/bin`,
    CALL_LOG: callLog,
    SECRETS_FILE: path.join(dir, "secrets.env"),
    ...extraEnv,
  };
  if (secrets !== undefined) await writeFile(path.join(dir, "secrets.env"), secrets);
  const result = await run("bash", [deployScript, ...args], { env, timeoutMs: 20_000 });
  const calls = (await readFile(callLog, "utf8")).split("\n").filter(Boolean);
  return { ...result, calls };
}

describe("deploy/scripts/deploy.sh", () => {
  it("is shellcheck-clean", async () => {
    expect(await runTool("shellcheck", [deployScript])).toBe("");
  });

  it("runs the nine steps in order against the cluster, waiting and with timeouts", async () => {
    const { code, stdout, stderr, calls } = await deploy(["production"], GOOD_SECRETS);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n").filter((l) => l.startsWith("==> "))).toEqual([
      "==> [1/9] Namespace",
      "==> [2/9] Config and secrets",
      "==> [3/9] Databases (PostgreSQL, Redis)",
      "==> [4/9] Application",
      "==> [5/9] Ingress",
      "==> [6/9] Autoscaling",
      "==> [7/9] Monitoring (kube-prometheus-stack, Jaeger, alerts, dashboard)",
      "==> [8/9] Waiting for the rollout",
      "==> [9/9] Status",
    ]);
    // Paths vary by checkout; compare the calls relative to the deploy folder.
    const deployDir = path.resolve(path.dirname(deployScript), "..");
    const relative = calls.map((c) => c.replaceAll(deployDir, "deploy"));
    // Step 2 pipes `create secret | label | apply`: the three stand-ins run concurrently, so
    // their log lines come in any order; they are compared as a set, the rest in order.
    const secretPipeline = relative.slice(4, 7);
    const secretCreate = secretPipeline.find((c) => c.includes("create secret")) ?? "";
    expect([...secretPipeline].sort()).toEqual(
      [
        secretCreate,
        "kubectl label --local -f - app.kubernetes.io/part-of=crisislen -o yaml",
        "kubectl apply -f -",
      ].sort(),
    );
    expect(secretCreate).toMatch(
      /^kubectl -n crisislen create secret generic crisislen-api-secrets --from-env-file=.*secrets\.env --dry-run=client -o yaml$/,
    );
    expect([...relative.slice(0, 4), "<secret pipeline>", ...relative.slice(7)]).toEqual([
      "kubectl version",
      "kubectl get crd clusterissuers.cert-manager.io",
      "kubectl apply -k deploy/k8s/overlays/production -l crisislen.dev/deploy-step=namespace",
      "kubectl apply -k deploy/k8s/overlays/production -l crisislen.dev/deploy-step=config",
      "<secret pipeline>",
      "helm upgrade --install crisislen-postgresql oci://registry-1.docker.io/bitnamicharts/postgresql --version 17.1.0 -n crisislen -f deploy/k8s/databases/postgresql-values.yaml --wait --timeout 10m",
      "helm upgrade --install crisislen-redis oci://registry-1.docker.io/bitnamicharts/redis --version 23.1.1 -n crisislen -f deploy/k8s/databases/redis-values.yaml --wait --timeout 10m",
      "kubectl apply -k deploy/k8s/overlays/production -l crisislen.dev/deploy-step=app",
      "kubectl apply -k deploy/k8s/cluster-issuers",
      "kubectl apply -k deploy/k8s/overlays/production -l crisislen.dev/deploy-step=ingress",
      "kubectl get apiservice v1beta1.metrics.k8s.io",
      "kubectl apply -k deploy/k8s/overlays/production -l crisislen.dev/deploy-step=autoscaling",
      "helm upgrade --install kube-prometheus-stack kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3 -n monitoring --create-namespace -f deploy/monitoring/kube-prometheus-stack-values.yaml --wait --timeout 10m",
      "helm upgrade --install jaeger jaeger --repo https://jaegertracing.github.io/helm-charts --version 4.0.0 -n monitoring -f deploy/monitoring/jaeger-values.yaml --wait --timeout 10m",
      "kubectl apply --server-side -n crisislen -k deploy/k8s/overlays/production/monitoring",
      "kubectl -n crisislen rollout status deployment/crisislen-api --timeout=300s",
      "kubectl -n crisislen get pods,services,ingresses,hpa",
      "kubectl -n crisislen get certificates",
    ]);
  });

  it("deploys staging to its own namespace and passes --context when KUBE_CONTEXT is set", async () => {
    const { code, calls } = await deploy(["staging"], GOOD_SECRETS, { KUBE_CONTEXT: "stage-1" });
    expect(code).toBe(0);
    expect(calls).toContain(
      "kubectl --context stage-1 -n crisislen-staging rollout status deployment/crisislen-api --timeout=300s",
    );
    expect(
      calls.filter((c) => c.startsWith("helm ")).every((c) => c.includes("--kube-context stage-1")),
    ).toBe(true);
  });

  it("refuses placeholder secrets before touching the cluster", async () => {
    const secrets = GOOD_SECRETS.replace("SECRET_KEY=0123456789abcdef", "SECRET_KEY=CHANGE_ME");
    const { code, stderr, calls } = await deploy(["production"], secrets);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /SECRET_KEY in .*secrets\.env is still a placeholder; refusing to deploy/,
    );
    expect(calls).toEqual([]);
  });

  it("refuses a missing secrets file and a missing key", async () => {
    const missing = await deploy(["production"], undefined);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/secrets file .*secrets\.env not found/);
    const noKey = await deploy(["production"], GOOD_SECRETS.replace(/^REDIS_PASSWORD=.*$/m, ""));
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/has no REDIS_PASSWORD/);
  });

  it("rejects an unknown environment with usage", async () => {
    const { code, stderr, calls } = await deploy(["prod"], GOOD_SECRETS);
    expect(code).toBe(2);
    expect(stderr).toContain("usage: deploy.sh [--dry-run] staging|production");
    expect(calls).toEqual([]);
  });

  it("prints every command with --dry-run and runs none", async () => {
    const { code, stdout, calls } = await deploy(["--dry-run", "production"], GOOD_SECRETS);
    expect(code).toBe(0);
    expect(calls).toEqual([]);
    expect(stdout).toContain("(dry run)");
    expect(stdout).toMatch(
      /^\+ kubectl -n crisislen rollout status deployment\/crisislen-api --timeout=300s$/m,
    );
    expect(stdout).not.toContain("s3cret");
  });
});
