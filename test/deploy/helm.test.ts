import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { describe, expect, it } from "vitest";
import { findOne } from "./support/manifests.js";
import { helmLint, helmNotes, helmTemplate, helmTemplateRaw } from "./support/helm.js";

const PRODUCTION = ["values-production.yaml"];

function podAnnotations(objects: Awaited<ReturnType<typeof helmTemplate>>): Record<string, string> {
  const deployment = findOne<IDeployment>(objects, "Deployment");
  return deployment.spec?.template.metadata?.annotations ?? {};
}

describe("helm chart deploy/helm/crisislen", () => {
  it("passes helm lint --strict with default values", async () => {
    expect((await helmLint()).stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
  });

  it("passes helm lint --strict with production values", async () => {
    expect((await helmLint(PRODUCTION)).stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
  });

  it("renders every resource with default values when the CRD APIs exist", async () => {
    const kinds = (await helmTemplate()).map((o) => o.kind).sort();
    expect(kinds).toEqual([
      "ConfigMap",
      "ConfigMap",
      "Deployment",
      "HorizontalPodAutoscaler",
      "Ingress",
      "Ingress",
      "NetworkPolicy",
      "Pod",
      "PodDisruptionBudget",
      "PrometheusRule",
      "PrometheusRule",
      "Secret",
      "Service",
      "ServiceAccount",
      "ServiceMonitor",
    ]);
  });

  it("renders production values with the existing Secret instead of its own", async () => {
    const objects = await helmTemplate({ release: "crisislen-api", valuesFiles: PRODUCTION });
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const deployment = findOne<IDeployment>(objects, "Deployment");
    expect(deployment.metadata?.name).toBe("crisislen-api");
    expect(deployment.spec?.template.spec?.containers[0]?.envFrom).toEqual([
      { configMapRef: { name: "crisislen-api-config" } },
      { secretRef: { name: "crisislen-api-secrets" } },
    ]);
  });

  it("skips the ServiceMonitor and PrometheusRule when the cluster lacks monitoring.coreos.com/v1", async () => {
    const kinds = (await helmTemplate({ apiVersions: [] })).map((o) => o.kind);
    expect(kinds).not.toContain("ServiceMonitor");
    expect(kinds).not.toContain("PrometheusRule");
  });

  it("points the alert rules at the release's Service (the Prometheus job)", async () => {
    const objects = await helmTemplate({ release: "claims" });
    const rules = objects.filter((o) => o.kind === "PrometheusRule") as unknown as {
      spec: { groups: { rules: { expr: string }[] }[] };
    }[];
    expect(rules).toHaveLength(2);
    const exprs = rules
      .flatMap((rule) => rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr)))
      .join("\n");
    expect(exprs).toContain('job="claims-crisislen"');
    expect(exprs).not.toContain('job="crisislen-api"');
  });

  it("leaves replicas to the HPA when autoscaling is on, and renders replicaCount when off", async () => {
    const withHpa = findOne<IDeployment>(await helmTemplate(), "Deployment");
    expect(withHpa.spec?.replicas).toBeUndefined();
    const without = await helmTemplate({ set: ["autoscaling.enabled=false", "replicaCount=4"] });
    expect(findOne<IDeployment>(without, "Deployment").spec?.replicas).toBe(4);
    expect(without.map((o) => o.kind)).not.toContain("HorizontalPodAutoscaler");
  });

  it("selects pods by the immutable name/instance pair only", async () => {
    const deployment = findOne<IDeployment>(await helmTemplate(), "Deployment");
    expect(deployment.spec?.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "crisislen",
      "app.kubernetes.io/instance": "crisislen",
    });
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(
      deployment.spec?.selector.matchLabels ?? {},
    );
  });

  it("changes checksum/config when the config changes, and not when replicaCount changes", async () => {
    const base = podAnnotations(await helmTemplate({ set: ["autoscaling.enabled=false"] }));
    const logLevel = podAnnotations(
      await helmTemplate({ set: ["autoscaling.enabled=false", "config.logLevel=debug"] }),
    );
    const scaled = podAnnotations(
      await helmTemplate({ set: ["autoscaling.enabled=false", "replicaCount=7"] }),
    );
    expect(base["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    expect(logLevel["checksum/config"]).not.toBe(base["checksum/config"]);
    expect(scaled["checksum/config"]).toBe(base["checksum/config"]);
    expect(scaled["checksum/secret"]).toBe(base["checksum/secret"]);
  });

  it("changes checksum/secret when a secret value changes", async () => {
    const base = podAnnotations(await helmTemplate());
    const rotated = podAnnotations(
      await helmTemplate({ set: ["secret.values.SECRET_KEY=rotated"] }),
    );
    expect(rotated["checksum/secret"]).not.toBe(base["checksum/secret"]);
    expect(rotated["checksum/config"]).toBe(base["checksum/config"]);
  });

  it("rejects a value of the wrong type through values.schema.json", async () => {
    const result = await helmTemplateRaw({ set: ["replicaCount=three"] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/replicaCount/);
    expect(result.stderr).toMatch(/integer/);
  });

  it("rejects an unknown top-level key and a misspelled nested key", async () => {
    const topLevel = await helmTemplateRaw({ set: ["replicas=3"] });
    expect(topLevel.code).not.toBe(0);
    expect(topLevel.stderr).toMatch(/replicas/);
    const nested = await helmTemplateRaw({ set: ["autoscaling.maxReplica=30"] });
    expect(nested.code).not.toBe(0);
    expect(nested.stderr).toMatch(/maxReplica/);
  });

  it("rejects an ingress body size nginx would refuse (50MB)", async () => {
    const result = await helmTemplateRaw({ set: ["ingress.proxyBodySize=50MB"] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/proxyBodySize/);
  });

  it("prints NOTES with the URL and, when placeholders were allowed, warns about them", async () => {
    const notes = await helmNotes();
    expect(notes).toContain("URL:      https://api.crisislen.example.com/");
    expect(notes).toContain(
      "secret.allowPlaceholders is on and the Secret crisislen-secrets holds\nCHANGE_ME placeholders",
    );
    const production = await helmNotes({ release: "crisislen-api", valuesFiles: PRODUCTION });
    expect(production).not.toContain("CHANGE_ME");
    expect(production).toContain("rollout status deployment/crisislen-api");
    expect(production).toContain("the cluster has no monitoring.coreos.com/v1 API");
  });
});
