import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  GOOD_DB_PASSWORDS,
  GOOD_RECEIVERS,
  GOOD_SECRETS,
  runDeploy as deploy,
} from "./support/deploy-sandbox.js";
import type { KubeObject } from "./support/manifests.js";
import { deployScript } from "./support/paths.js";
import { runTool } from "./support/tools.js";

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
    // Paths vary by checkout; compare the calls relative to the deploy folder. The two pipelines
    // of step 7 (`create … | apply`) run their stand-ins concurrently: compared as sets.
    const deployDir = path.resolve(path.dirname(deployScript), "..");
    const relative = calls.map((c) => c.replaceAll(deployDir, "deploy"));
    // The group starts right after step 6's apply: which of its concurrent calls logs first varies.
    const monitoringStart =
      relative.findIndex((c) => c.endsWith("crisislen.dev/deploy-step=autoscaling")) + 1;
    const pipelines = relative.slice(monitoringStart, monitoringStart + 4);
    expect([...pipelines].sort()).toEqual(
      [
        "kubectl create namespace monitoring --dry-run=client -o yaml",
        "kubectl apply -f -",
        `kubectl -n monitoring create secret generic alertmanager-crisislen-receivers --from-env-file=${
          pipelines
            .find((c) => c.includes("--from-env-file"))
            ?.split("--from-env-file=")[1]
            ?.split(" ")[0]
        } --dry-run=client -o yaml`,
        "kubectl apply -f -",
      ].sort(),
    );
    expect(pipelines.find((c) => c.includes("--from-env-file"))).toMatch(
      /receivers\.env --dry-run/,
    );
    const app = "$WORK/app";
    expect([
      ...relative.slice(0, monitoringStart),
      "<monitoring namespace and receivers secret>",
      ...relative.slice(monitoringStart + 4),
    ]).toEqual([
      "kubectl version",
      "kubectl get crd clusterissuers.cert-manager.io",
      `kubectl apply -k ${app} -l crisislen.dev/deploy-step=namespace`,
      `kubectl apply -k ${app} -l crisislen.dev/deploy-step=config`,
      "helm upgrade --install crisislen-postgresql oci://registry-1.docker.io/bitnamicharts/postgresql --version 17.1.0 -n crisislen -f deploy/k8s/databases/postgresql-values.yaml --wait --timeout 10m",
      "helm upgrade --install crisislen-redis oci://registry-1.docker.io/bitnamicharts/redis --version 23.1.1 -n crisislen -f deploy/k8s/databases/redis-values.yaml --wait --timeout 10m",
      "kubectl -n crisislen get deployment crisislen-api --ignore-not-found -o jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}",
      `kubectl apply -k ${app} -l crisislen.dev/deploy-step=app`,
      "kubectl apply -k deploy/k8s/cluster-issuers",
      `kubectl apply -k ${app} -l crisislen.dev/deploy-step=ingress`,
      "kubectl get apiservice v1beta1.metrics.k8s.io",
      `kubectl apply -k ${app} -l crisislen.dev/deploy-step=autoscaling`,
      "<monitoring namespace and receivers secret>",
      "helm upgrade --install kube-prometheus-stack kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3 -n monitoring -f deploy/monitoring/kube-prometheus-stack-values.yaml --wait --timeout 10m",
      "helm upgrade --install jaeger jaeger --repo https://jaegertracing.github.io/helm-charts --version 4.11.1 -n monitoring -f deploy/monitoring/jaeger-values.yaml --wait --timeout 10m",
      "kubectl apply --server-side -n crisislen -k $WORK/app-monitoring",
      "kubectl -n crisislen rollout status deployment/crisislen-api --timeout=300s",
      "kubectl -n crisislen get pods,services,ingresses,hpa",
      "kubectl -n crisislen get certificates",
    ]);
  });

  // Finding #10: NAMESPACE moved some objects and not the app; MONITORING_NAMESPACE moved neither the
  // NetworkPolicy rule nor the OTLP endpoint.
  it("moves every object with NAMESPACE and points OTLP and the NetworkPolicy at MONITORING_NAMESPACE", async () => {
    const { code, stderr, calls, builds } = await deploy(["production"], GOOD_SECRETS, {
      NAMESPACE: "team-a",
      MONITORING_NAMESPACE: "obs",
      RECORD_BUILDS: "1",
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const appObjects = builds.filter((o) => o.kind !== "ClusterIssuer");
    expect(appObjects.length).toBeGreaterThan(10);
    const where = (o: KubeObject) =>
      o.kind === "Namespace" ? o.metadata.name : (o.metadata.namespace ?? "<none>");
    expect(new Set(appObjects.map(where))).toEqual(new Set(["team-a"]));
    const config = appObjects.find((o) =>
      o.metadata.name.startsWith("crisislen-api-config-"),
    ) as unknown as {
      data: Record<string, string>;
    };
    // The SLO rules are rendered for the namespace whose series they watch.
    const slo = JSON.stringify(appObjects.find((o) => o.metadata.name === "crisislen-api-slo"));
    expect(slo).toContain('namespace=\\"team-a\\"');
    expect(slo).not.toContain('namespace=\\"crisislen\\"');
    expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      "http://jaeger.obs.svc.cluster.local:4318",
    );
    const policy = JSON.stringify(appObjects.find((o) => o.kind === "NetworkPolicy"));
    expect(policy).not.toContain('"monitoring"');
    expect(policy.match(/"kubernetes.io\/metadata.name":"obs"/g)).toHaveLength(2);
    // Helm releases and kubectl calls follow the same two variables.
    for (const call of calls) {
      if (/crisislen-(postgresql|redis)|deploy\/monitoring$|rollout status/.test(call))
        expect(call, call).toMatch(/-n team-a\b/);
      if (/kube-prometheus-stack |jaeger jaeger|alertmanager-crisislen-receivers/.test(call))
        expect(call, call).toMatch(/-n obs\b/);
    }
  });

  it("refuses a namespace name Kubernetes would reject, naming the variable", async () => {
    const { code, stderr, calls } = await deploy(["production"], GOOD_SECRETS, {
      MONITORING_NAMESPACE: "Monitoring_1",
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      "deploy.sh: MONITORING_NAMESPACE='Monitoring_1' is not a valid namespace name\n",
    );
    expect(calls).toEqual([]);
  });

  // Finding #1, upgrade path: a Deployment applied by the older deployment.yaml has `replicas` in its
  // last-applied annotation, so the next apply would delete the field (and reset the count to 1).
  it("rewrites the last-applied annotation first when it still holds spec.replicas", async () => {
    const old = JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: { replicas: 3 },
    });
    const { code, calls } = await deploy(["production"], GOOD_SECRETS, { LAST_APPLIED: old });
    expect(code).toBe(0);
    const lookup = calls.findIndex((c) => c.includes("get deployment crisislen-api"));
    expect(calls.slice(lookup + 1, lookup + 3)).toEqual([
      "kubectl kustomize $WORK/app",
      "kubectl apply set-last-applied -f $WORK/deployment.yaml",
    ]);
    expect(calls[lookup + 3]).toBe("kubectl apply -k $WORK/app -l crisislen.dev/deploy-step=app");
    const fresh = await deploy(["production"], GOOD_SECRETS, { LAST_APPLIED: "" });
    expect(fresh.calls.filter((c) => c.includes("set-last-applied"))).toEqual([]);
  });

  it("refuses placeholder Alertmanager receiver credentials unless the monitoring stack is skipped", async () => {
    const placeholder = GOOD_RECEIVERS.replace(
      /slack-webhook-url=.*/,
      "slack-webhook-url=CHANGE_ME",
    );
    const refused = await deploy(["production"], GOOD_SECRETS, {}, placeholder);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /slack-webhook-url in .*receivers\.env is still a placeholder; refusing to deploy/,
    );
    expect(refused.calls).toEqual([]);
    const skipped = await deploy(
      ["production"],
      GOOD_SECRETS,
      { SKIP_MONITORING_STACK: "1" },
      placeholder,
    );
    expect(skipped.code).toBe(0);
    expect(
      skipped.calls.filter((c) => /alertmanager|kube-prometheus-stack|jaeger/.test(c)),
    ).toEqual([]);
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
    const noKey = await deploy(["production"], "OTHER=1\n");
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/secrets\.env has no SECRET_KEY/);
  });

  it("refuses a missing database passwords file, a missing password and a placeholder", async () => {
    const withPasswords = (passwords: string | null) =>
      deploy(["production"], GOOD_SECRETS, {}, GOOD_RECEIVERS, passwords);
    const missing = await withPasswords(null);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /secrets file .*db-passwords\.env not found; copy .*overlays\/db-passwords\.env\.example there/,
    );
    const noKey = await withPasswords("POSTGRES_PASSWORD=s3cret\n");
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/db-passwords\.env has no REDIS_PASSWORD/);
    const placeholder = await withPasswords(GOOD_DB_PASSWORDS.replace("s3cret", "CHANGE_ME"));
    expect(placeholder.code).toBe(1);
    expect(placeholder.stderr).toMatch(
      /POSTGRES_PASSWORD in .*db-passwords\.env is still a placeholder; refusing to deploy/,
    );
    for (const run of [missing, noKey, placeholder]) expect(run.calls).toEqual([]);
  });

  // The pre-split layout kept the database passwords in secrets.env; kustomize would fail on the
  // repeated key with a message about a "configmap", far from the cause.
  it("refuses a secrets file that still holds a database password, naming where it belongs", async () => {
    const { code, stderr, calls } = await deploy(
      ["production"],
      `${GOOD_SECRETS}POSTGRES_PASSWORD=s3cret\n`,
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^deploy\.sh: POSTGRES_PASSWORD is in .*\/secrets\.env; it belongs in .*\/db-passwords\.env only \(the database pods read that file's Secret\)\n$/,
    );
    expect(calls).toEqual([]);
  });

  it("generates the app's Secret from both files and the databases' from the passwords only", async () => {
    const { code, stderr, builds } = await deploy(["production"], GOOD_SECRETS, {
      RECORD_BUILDS: "1",
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const secrets = new Map(
      builds
        .filter((o) => o.kind === "Secret")
        .map((o) => [
          o.metadata.name.replace(/-[a-z0-9]{10}$/, "-<hash>"),
          Object.fromEntries(
            Object.entries(o.data as Record<string, string>).map(([k, v]) => [
              k,
              Buffer.from(v, "base64").toString("utf8"),
            ]),
          ),
        ]),
    );
    expect(Object.fromEntries(secrets)).toEqual({
      "crisislen-api-secrets-<hash>": {
        SECRET_KEY: "0123456789abcdef",
        POSTGRES_PASSWORD: "s3cret",
        REDIS_PASSWORD: "r3dis",
      },
      "crisislen-db-passwords": { POSTGRES_PASSWORD: "s3cret", REDIS_PASSWORD: "r3dis" },
    });
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
    expect(stdout).not.toContain("r3dis");
    expect(stdout).not.toContain("hooks.slack.com");
  });
});
