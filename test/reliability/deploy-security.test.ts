/**
 * Security of the deploy assets, in every object set they render (Helm with default and
 * production values, the staging and production overlays, monitoring, cluster issuers). What
 * test/deploy already asserts for the production overlay (kustomize.test.ts) and the chart's
 * agreement with it (consistency.test.ts) is extended here to every set and every pod:
 * - every pod (Deployments and the Helm test Pod) runs non-root, with a read-only root
 *   filesystem, all capabilities dropped, no privilege escalation, no host namespaces or
 *   hostPath, and no service-account token (also off on every ServiceAccount);
 * - a NetworkPolicy selects the app's pods and admits only the monitoring namespace to the
 *   metrics port;
 * - secret values live only in Secret objects (env secrets come from secretKeyRef/secretRef,
 *   ConfigMaps hold none), every committed value is a CHANGE_ME placeholder, and the real
 *   secrets.env files are git-ignored.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { allRenderedSets } from "../deploy/support/rendered.js";
import type { KubeObject } from "../deploy/support/manifests.js";
import { chartDir, deployDir, repoRoot } from "../deploy/support/paths.js";

interface Container {
  name: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }>;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; hostPath?: unknown }>;
}
interface NetworkPolicyRule {
  from?: Array<{
    namespaceSelector?: { matchLabels?: Record<string, string> };
    podSelector?: unknown;
  }>;
  ports?: Array<{ port: string | number; protocol?: string }>;
}

/** Env names that carry secrets. */
const SECRET_NAME =
  /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|DATABASE_URL|REDIS_URL|DSN/i;
/** A URL with a password in it (`scheme://user:pass@host`). */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
const PLACEHOLDER = "CHANGE_ME";

let sets: Record<string, KubeObject[]>;
beforeAll(async () => {
  sets = await allRenderedSets();
}, 60_000);

function pods(objects: KubeObject[]): Array<[string, PodSpec, Record<string, string>]> {
  const out: Array<[string, PodSpec, Record<string, string>]> = [];
  for (const o of objects) {
    if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)) {
      const template = (
        o.spec as { template: { spec: PodSpec; metadata?: { labels?: Record<string, string> } } }
      ).template;
      out.push([`${o.kind}/${o.metadata.name}`, template.spec, template.metadata?.labels ?? {}]);
    } else if (o.kind === "Pod") {
      out.push([`Pod/${o.metadata.name}`, o.spec as PodSpec, o.metadata.labels ?? {}]);
    }
  }
  return out;
}

const secretValues = (secret: KubeObject): Record<string, string> => ({
  ...((secret.stringData as Record<string, string> | undefined) ?? {}),
  ...Object.fromEntries(
    Object.entries((secret.data as Record<string, string> | undefined) ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, "base64").toString("utf8"),
    ]),
  ),
});

describe("deploy assets: pod security in every rendered set", () => {
  it("renders at least one pod in the app sets (self-check)", () => {
    for (const name of [
      "helm (default values)",
      "helm (production values)",
      "kustomize overlays/staging",
      "kustomize overlays/production",
    ]) {
      expect(pods(sets[name]!).length, name).toBeGreaterThan(0);
    }
  });

  it("runs every pod non-root, read-only, without capabilities, escalation, host access or token", () => {
    const problems: string[] = [];
    for (const [set, objects] of Object.entries(sets)) {
      for (const [name, spec] of pods(objects)) {
        const where = `${set} ${name}`;
        if (spec.automountServiceAccountToken !== false) problems.push(`${where}: token mounted`);
        if (spec.hostNetwork || spec.hostPID || spec.hostIPC)
          problems.push(`${where}: host namespace`);
        if (spec.volumes?.some((v) => v.hostPath !== undefined))
          problems.push(`${where}: hostPath`);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const sc = c.securityContext ?? {};
          const nonRoot =
            (sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot) === true &&
            (sc.runAsUser ?? spec.securityContext?.runAsUser) !== 0;
          if (!nonRoot) problems.push(`${where}/${c.name}: may run as root`);
          if (sc.readOnlyRootFilesystem !== true)
            problems.push(`${where}/${c.name}: writable root fs`);
          if (sc.allowPrivilegeEscalation !== false)
            problems.push(`${where}/${c.name}: escalation`);
          if (sc.privileged === true) problems.push(`${where}/${c.name}: privileged`);
          if (!sc.capabilities?.drop?.includes("ALL"))
            problems.push(`${where}/${c.name}: capabilities kept`);
          if ((sc.capabilities?.add ?? []).length > 0)
            problems.push(`${where}/${c.name}: capabilities added`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("turns the token off on every ServiceAccount too", () => {
    const accounts = Object.entries(sets).flatMap(([set, objects]) =>
      objects.filter((o) => o.kind === "ServiceAccount").map((o) => [set, o] as const),
    );
    expect(accounts.length).toBeGreaterThan(0);
    for (const [set, account] of accounts) {
      expect(account.automountServiceAccountToken, `${set} ${account.metadata.name}`).toBe(false);
    }
  });
});

describe("deploy assets: the metrics port is reachable from the monitoring namespace only", () => {
  it("has a NetworkPolicy selecting the app's pods, and no rule opens the metrics port wider", () => {
    for (const [set, objects] of Object.entries(sets)) {
      const deployments = pods(objects).filter(([name]) => name.startsWith("Deployment/"));
      if (deployments.length === 0) continue;
      for (const [name, spec, labels] of deployments) {
        const metricsPort = spec.containers
          .flatMap((c) => c.ports ?? [])
          .find((p) => p.name === "metrics");
        expect(metricsPort, `${set} ${name}: metrics port`).toBeDefined();
        const policies = objects.filter((o) => {
          if (o.kind !== "NetworkPolicy") return false;
          const selector = (o.spec as { podSelector?: { matchLabels?: Record<string, string> } })
            .podSelector?.matchLabels;
          return (
            selector !== undefined &&
            Object.entries(selector).every(([key, value]) => labels[key] === value)
          );
        });
        expect(policies.length, `${set} ${name}: NetworkPolicies selecting it`).toBe(1);
        const policy = policies[0]!.spec as {
          policyTypes?: string[];
          ingress?: NetworkPolicyRule[];
        };
        expect(policy.policyTypes, set).toContain("Ingress");
        const admitsMetrics = (rule: NetworkPolicyRule): boolean =>
          rule.ports === undefined ||
          rule.ports.some((p) => p.port === "metrics" || p.port === metricsPort!.containerPort);
        const metricsRules = (policy.ingress ?? []).filter(admitsMetrics);
        expect(metricsRules.length, `${set}: rules admitting the metrics port`).toBeGreaterThan(0);
        for (const rule of metricsRules) {
          expect(rule.from, `${set}: metrics rule sources`).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
          ]);
        }
      }
    }
  });
});

describe("deploy assets: secrets only in Secret objects, placeholders only", () => {
  it("takes every secret-looking env variable from a Secret, never from a literal value", () => {
    const problems: string[] = [];
    for (const [set, objects] of Object.entries(sets)) {
      for (const [name, spec] of pods(objects)) {
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          for (const env of c.env ?? []) {
            // A URL assembled from the Secret's variables (`:$(POSTGRES_PASSWORD)@`) holds none itself.
            const literal = env.value?.replace(/\$\([A-Z0-9_]+\)/g, "");
            const assembled = literal !== env.value && !URL_CREDENTIALS.test(literal ?? "");
            if (
              env.value !== undefined &&
              !assembled &&
              (SECRET_NAME.test(env.name) || URL_CREDENTIALS.test(env.value))
            ) {
              problems.push(`${set} ${name}/${c.name}: ${env.name} is a literal`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("keeps ConfigMaps free of secret keys and credentials in URLs", () => {
    const problems: string[] = [];
    for (const [set, objects] of Object.entries(sets)) {
      for (const map of objects.filter((o) => o.kind === "ConfigMap")) {
        for (const [key, value] of Object.entries((map.data as Record<string, string>) ?? {})) {
          if (map.metadata.name.includes("dashboard")) continue; // Grafana JSON, no settings
          if (SECRET_NAME.test(key)) problems.push(`${set} ${map.metadata.name}: key ${key}`);
          if (URL_CREDENTIALS.test(value))
            problems.push(`${set} ${map.metadata.name}: ${key} has credentials`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("renders Secrets with CHANGE_ME placeholders only (no working value is committed)", () => {
    let secrets = 0;
    for (const [set, objects] of Object.entries(sets)) {
      for (const secret of objects.filter((o) => o.kind === "Secret")) {
        secrets++;
        for (const [key, value] of Object.entries(secretValues(secret))) {
          expect(value, `${set} ${secret.metadata.name} ${key}`).toContain(PLACEHOLDER);
        }
      }
    }
    expect(secrets).toBeGreaterThan(0);
  });

  it("keeps the chart values, the example env files and the database values free of real secrets", () => {
    const values = parse(readFileSync(path.join(chartDir, "values.yaml"), "utf8")) as {
      secret: { existingSecret: string; values: Record<string, string> };
      databasePasswords: { values: Record<string, string> };
    };
    expect(Object.values(values.secret.values).every((v) => v === PLACEHOLDER)).toBe(true);
    expect(Object.values(values.databasePasswords.values).every((v) => v === PLACEHOLDER)).toBe(
      true,
    );
    const production = parse(
      readFileSync(path.join(chartDir, "values-production.yaml"), "utf8"),
    ) as {
      secret?: { existingSecret?: string; values?: unknown };
      databasePasswords?: { create?: boolean; values?: unknown };
    };
    expect(production.secret?.existingSecret).toBeTruthy();
    expect(production.secret?.values).toBeUndefined();
    expect(production.databasePasswords).toEqual({ create: false });

    for (const file of ["secrets.env.example", "db-passwords.env.example"]) {
      const example = readFileSync(path.join(deployDir, "k8s/overlays", file), "utf8")
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"));
      expect(example.length, file).toBeGreaterThan(0);
      for (const line of example)
        expect(line.split("=").slice(1).join("="), `${file}: ${line}`).toContain(PLACEHOLDER);
    }

    for (const file of ["postgresql-values.yaml", "redis-values.yaml"]) {
      const auth = (
        parse(readFileSync(path.join(deployDir, "k8s/databases", file), "utf8")) as {
          auth: Record<string, unknown>;
        }
      ).auth;
      expect(auth.existingSecret, file).toBe("crisislen-db-passwords");
      expect(
        Object.keys(auth).filter((k) => /^(password|postgresPassword)$/i.test(k)),
        file,
      ).toEqual([]);
    }
  });

  it("git-ignores the real secrets.env and db-passwords.env files and tracks none", () => {
    for (const env of ["production", "staging"]) {
      for (const name of ["secrets.env", "db-passwords.env"]) {
        const file = `deploy/k8s/overlays/${env}/${name}`;
        expect(() =>
          execFileSync("git", ["check-ignore", "-q", file], { cwd: repoRoot, stdio: "ignore" }),
        ).not.toThrow();
      }
    }
    const tracked = execFileSync("git", ["ls-files", "deploy"], { cwd: repoRoot, encoding: "utf8" })
      .split("\n")
      .filter((f) => /secrets?\.env$|passwords\.env$|\.pem$|\.key$|id_rsa/.test(f));
    expect(tracked).toEqual([]);
  });
});
