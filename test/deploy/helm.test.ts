import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { findOne, type KubeObject } from "./support/manifests.js";
import { helmLint, helmNotes, helmTemplate, helmTemplateRaw } from "./support/helm.js";

const PRODUCTION = ["values-production.yaml"];

/** The app container's secretKeyRef env variables: name → the Secret and key they read. */
function passwordRefs(
  objects: KubeObject[],
): Record<string, { name: string | undefined; key: string }> {
  const env = findOne<IDeployment>(objects, "Deployment").spec?.template.spec?.containers[0]?.env;
  return Object.fromEntries(
    (env ?? []).flatMap((e) => {
      const ref = e.valueFrom?.secretKeyRef;
      return ref ? [[e.name, { name: ref.name, key: ref.key }]] : [];
    }),
  );
}

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
      "Secret",
      "Secret",
      "Service",
      "ServiceAccount",
      "ServiceMonitor",
    ]);
  });

  it("renders production values with the existing Secrets instead of its own", async () => {
    const objects = await helmTemplate({ release: "crisislen-api", valuesFiles: PRODUCTION });
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const deployment = findOne<IDeployment>(objects, "Deployment");
    expect(deployment.metadata?.name).toBe("crisislen-api");
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.envFrom).toEqual([
      { configMapRef: { name: "crisislen-api-config" } },
      { secretRef: { name: "crisislen-api-secrets" } },
    ]);
    expect(passwordRefs(objects)).toEqual({
      POSTGRES_PASSWORD: { name: "crisislen-api-postgresql-password", key: "POSTGRES_PASSWORD" },
      REDIS_PASSWORD: { name: "crisislen-api-redis-password", key: "REDIS_PASSWORD" },
    });
  });

  it("renders one Secret per enabled database with its password only, and reads it by key", async () => {
    const secrets = (objects: KubeObject[]) =>
      Object.fromEntries(
        objects
          .filter((o) => o.kind === "Secret")
          .map((o) => [o.metadata.name, (o as ISecret).stringData]),
      );
    const both = await helmTemplate({
      set: [
        "databasePasswords.values.POSTGRES_PASSWORD=pg-0123456789",
        "databasePasswords.values.REDIS_PASSWORD=redis-0123456789",
      ],
    });
    expect(secrets(both)).toEqual({
      "crisislen-secrets": { SECRET_KEY: "CHANGE_ME" },
      "crisislen-postgresql-password": { POSTGRES_PASSWORD: "pg-0123456789" },
      "crisislen-redis-password": { REDIS_PASSWORD: "redis-0123456789" },
    });
    expect(passwordRefs(both)).toEqual({
      POSTGRES_PASSWORD: { name: "crisislen-postgresql-password", key: "POSTGRES_PASSWORD" },
      REDIS_PASSWORD: { name: "crisislen-redis-password", key: "REDIS_PASSWORD" },
    });
    // The subchart's own key settings name the key in the Secret and in the app's reference.
    const renamed = await helmTemplate({
      set: [
        "redis.enabled=false",
        "postgresql.auth.existingSecret=pg-auth",
        "postgresql.auth.secretKeys.userPasswordKey=password",
        "postgresql.auth.secretKeys.adminPasswordKey=postgres-password",
      ],
    });
    expect(secrets(renamed)).toEqual({
      "crisislen-secrets": { SECRET_KEY: "CHANGE_ME" },
      "pg-auth": { password: "CHANGE_ME", "postgres-password": "CHANGE_ME" },
    });
    expect(passwordRefs(renamed)).toEqual({
      POSTGRES_PASSWORD: { name: "pg-auth", key: "password" },
    });
    const env = findOne<IDeployment>(renamed, "Deployment").spec?.template.spec?.containers[0]?.env;
    expect(env?.map((e) => e.name)).not.toContain("REDIS_URL");
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

  it("changes checksum/secret when a secret value or a database password changes", async () => {
    const [base, rotated, postgres, redis] = await Promise.all(
      [
        [],
        ["secret.values.SECRET_KEY=rotated"],
        ["databasePasswords.values.POSTGRES_PASSWORD=rotated"],
        ["databasePasswords.values.REDIS_PASSWORD=rotated"],
      ].map(async (set) => podAnnotations(await helmTemplate({ set }))),
    );
    const checksums = [base, rotated, postgres, redis].map((a) => a!["checksum/secret"]);
    expect(new Set(checksums).size).toBe(4);
    expect(rotated!["checksum/config"]).toBe(base!["checksum/config"]);
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
      "secret.allowPlaceholders is on and these Secrets hold CHANGE_ME placeholders:\n  crisislen-secrets, crisislen-postgresql-password, crisislen-redis-password\n",
    );
    expect(notes).toContain(
      [
        "  Secrets:  crisislen-secrets (the app's own keys; only the app reads it)",
        "            crisislen-postgresql-password (POSTGRES_PASSWORD; read by postgresql and the app)",
        "            crisislen-redis-password (REDIS_PASSWORD; read by redis and the app)\n",
      ].join("\n"),
    );
    expect(notes).not.toContain("you create");
    const production = await helmNotes({ release: "crisislen-api", valuesFiles: PRODUCTION });
    expect(production).not.toContain("CHANGE_ME");
    expect(production).toContain(
      "            you create crisislen-api-secrets, crisislen-api-postgresql-password, crisislen-api-redis-password (the pods wait for them);",
    );
    expect(production).toContain("rollout status deployment/crisislen-api");
    expect(production).toContain("the cluster has no monitoring.coreos.com/v1 API");
  });

  it("warns in NOTES about exactly the values it refuses without the opt-in (a CHANGE_ME inside a value too)", async () => {
    const values = [
      "secret.values.SECRET_KEY=key-0123456789",
      "databasePasswords.values.POSTGRES_PASSWORD=pg-CHANGE_ME-later",
      "databasePasswords.values.REDIS_PASSWORD=redis-0123456789",
    ];
    const refused = await helmTemplateRaw({ allowPlaceholders: false, set: values });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      "databasePasswords.values.POSTGRES_PASSWORD is still the CHANGE_ME placeholder",
    );
    expect(await helmNotes({ set: values })).toContain(
      "secret.allowPlaceholders is on and these Secrets hold CHANGE_ME placeholders:\n  crisislen-postgresql-password\n",
    );
    const real = await helmNotes({ set: values.map((v) => v.replace("CHANGE_ME", "x")) });
    expect(real).not.toContain("CHANGE_ME");
  });
});
