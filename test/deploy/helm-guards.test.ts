/**
 * Values the chart refuses, and the settings that must hold together (findings #7, #8, #9, #11 of the
 * deploy review): CHANGE_ME secrets without an explicit opt-in, a database reading the app's Secret,
 * replica bounds, the V8 heap against the memory limit and the HPA's memory target, the grace period
 * against the drain; a rotated existingSecret rolling the pods; spreading over zones. Every refusal
 * names the value.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { describe, expect, it } from "vitest";
import { helmTemplate, helmTemplateRaw } from "./support/helm.js";
import { findOne } from "./support/manifests.js";

const PRODUCTION = ["values-production.yaml"];

/** helm's error line for a failed render ("" when it rendered). */
async function refusal(options: Parameters<typeof helmTemplateRaw>[0]): Promise<string> {
  const result = await helmTemplateRaw(options);
  if (result.code === 0) return "";
  return /Error: .*?(crisislen: .*)$/m.exec(result.stderr)?.[1] ?? result.stderr;
}

describe("helm chart: refused values", () => {
  // Finding #8: the chart installed with CHANGE_ME secrets.
  it("refuses the CHANGE_ME placeholders, the app's and the databases', unless secret.allowPlaceholders is set", async () => {
    expect(await refusal({ allowPlaceholders: false })).toBe(
      "crisislen: secret.values.SECRET_KEY is still the CHANGE_ME placeholder. Set secret.existingSecret to a Secret you manage, pass real values from outside git (-f secrets.yaml), or set secret.allowPlaceholders=true for a throwaway cluster",
    );
    const app = "secret.values.SECRET_KEY=key-from-vault";
    const postgres = "databasePasswords.values.POSTGRES_PASSWORD=pg-from-vault";
    const redis = "databasePasswords.values.REDIS_PASSWORD=redis-from-vault";
    expect(await refusal({ allowPlaceholders: false, set: [app] })).toBe(
      'crisislen: databasePasswords.values.POSTGRES_PASSWORD is still the CHANGE_ME placeholder. Pass the password from outside git (-f db-passwords.yaml), set databasePasswords.create=false and create the Secret "crisislen-postgresql-password" (key POSTGRES_PASSWORD) yourself, or set secret.allowPlaceholders=true for a throwaway cluster',
    );
    expect(await refusal({ allowPlaceholders: false, set: [app, postgres] })).toContain(
      'databasePasswords.values.REDIS_PASSWORD is still the CHANGE_ME placeholder. Pass the password from outside git (-f db-passwords.yaml), set databasePasswords.create=false and create the Secret "crisislen-redis-password" (key REDIS_PASSWORD)',
    );
    expect(await refusal({ allowPlaceholders: false, set: [app, postgres, redis] })).toBe("");
    expect(await refusal({ allowPlaceholders: true })).toBe("");
    // Nothing reads the placeholder of a disabled database, or the values when you create the Secrets.
    expect(
      await refusal({ allowPlaceholders: false, set: [app, postgres, "redis.enabled=false"] }),
    ).toBe("");
    expect(
      await refusal({ allowPlaceholders: false, set: [app, "databasePasswords.create=false"] }),
    ).toBe("");
    // Production values read Secrets created beforehand: no placeholder, no opt-in needed.
    expect(
      await refusal({
        allowPlaceholders: false,
        release: "crisislen-api",
        valuesFiles: PRODUCTION,
      }),
    ).toBe("");
  });

  // Chart 0.1.0 kept the passwords in the app's Secret, which the PostgreSQL pods mount whole.
  it("refuses the pre-split layout: a database reading the app's Secret, a password in secret.values", async () => {
    expect(
      await refusal({
        release: "crisislen-api",
        valuesFiles: PRODUCTION,
        set: [
          "postgresql.auth.existingSecret=crisislen-api-secrets",
          "redis.auth.existingSecret=crisislen-api-secrets",
        ],
      }),
    ).toBe(
      'crisislen: postgresql.auth.existingSecret renders as "crisislen-api-secrets", the app\'s Secret: the postgresql pods would read SECRET_KEY and every other app secret. Give the database a Secret holding its password only (databasePasswords; CHANGELOG, "Upgrading")',
    );
    expect(await refusal({ set: ["secret.values.REDIS_PASSWORD=redis-0123456789"] })).toBe(
      'crisislen: secret.values.REDIS_PASSWORD is no longer read: the database passwords moved to databasePasswords.values.REDIS_PASSWORD, so the database pods read their own Secret instead of the app\'s (with SECRET_KEY). Move it there, with the same value (CHANGELOG, "Upgrading")',
    );
    // With Redis off, a REDIS_PASSWORD of the app's own (an external Redis) is the app's business.
    expect(
      await refusal({ set: ["redis.enabled=false", "secret.values.REDIS_PASSWORD=external"] }),
    ).toBe("");
  });

  it.each([
    [
      ["autoscaling.minReplicas=25"],
      "crisislen: autoscaling.minReplicas (25) is greater than autoscaling.maxReplicas (20)",
    ],
    [
      ["maxOldSpaceSizeMiB=4096"],
      "crisislen: maxOldSpaceSizeMiB (4096) must be below resources.limits.memory (4Gi = 4096 MiB): a V8 heap that large is OOM-killed before it reports a heap error; about 75 % of the limit leaves room for buffers and native memory",
    ],
    [
      ["resources.requests.memory=1Gi"],
      "crisislen: maxOldSpaceSizeMiB (3072) is above the HPA's memory target, resources.requests.memory (1Gi) × autoscaling.targetMemoryUtilizationPercentage (80 %) = 819 MiB: V8 rarely returns heap memory, so the HPA would scale out and never back in. Raise the request or lower the heap cap",
    ],
    [
      ["terminationGracePeriodSeconds=25"],
      "crisislen: terminationGracePeriodSeconds (25) must exceed preStopSleepSeconds (5) + config.shutdownTimeoutMs (20000 ms) = 25 s, or the kubelet kills pods in the middle of their drain",
    ],
    [
      ["config.shutdownDrainDelayMs=20000"],
      "crisislen: config.shutdownDrainDelayMs (20000) must be below config.shutdownTimeoutMs (20000), the bound of the whole shutdown",
    ],
    [
      ["secret.existingSecret=vault-synced", "redis.auth.existingSecret=vault-synced"],
      'crisislen: redis.auth.existingSecret renders as "vault-synced", the app\'s Secret: the redis pods would read SECRET_KEY and every other app secret. Give the database a Secret holding its password only (databasePasswords; CHANGELOG, "Upgrading")',
    ],
    [
      ["postgresql.auth.existingSecret=shared", "redis.auth.existingSecret=shared"],
      'crisislen: postgresql.auth.existingSecret and redis.auth.existingSecret both render as "shared": PostgreSQL mounts every key of its Secret, so it would read the Redis password; give each database its own Secret',
    ],
    [
      ["postgresql.auth.existingSecret="],
      'crisislen: postgresql.auth.existingSecret is empty; the chart passes the postgresql password to the database and to the app through that Secret (default "{{ .Release.Name }}-postgresql-password")',
    ],
    [
      ["resources.limits.memory=1Pi"],
      'crisislen: resources.limits.memory is "1Pi"; use Ki, Mi, Gi, Ti, k, M, G or T',
    ],
  ])("refuses %j, naming the values", async (set, message) => {
    expect(await refusal({ set })).toBe(message);
  });

  it("accepts the same settings when they fit together (the checks can pass)", async () => {
    expect(
      await refusal({
        set: [
          "autoscaling.minReplicas=20",
          "maxOldSpaceSizeMiB=3276",
          "terminationGracePeriodSeconds=26",
          "config.shutdownDrainDelayMs=19999",
          "resources.limits.memory=4096Mi",
        ],
      }),
    ).toBe("");
    expect(
      await refusal({
        set: [
          "secret.existingSecret=vault-synced",
          "databasePasswords.create=false",
          "postgresql.auth.existingSecret=vault-postgresql",
          "redis.auth.existingSecret=vault-redis",
        ],
      }),
    ).toBe("");
  });
});

describe("helm chart: rollout and placement", () => {
  // Finding #7: with existingSecret the checksum never changed, so a rotation rolled nothing.
  it("rolls the pods when secret.revision changes with Secrets created outside the chart, and not otherwise", async () => {
    const checksum = async (set: string[]) =>
      findOne<IDeployment>(
        await helmTemplate({ release: "crisislen-api", valuesFiles: PRODUCTION, set }),
        "Deployment",
      ).spec?.template.metadata?.annotations?.["checksum/secret"];
    const [base, again, rotated] = await Promise.all([
      checksum([]),
      checksum(["image.tag=0.1.1"]),
      checksum(["secret.revision=rotated-2026-08-01"]),
    ]);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toBe(base);
    expect(rotated).not.toBe(base);
  });

  // Finding #11: spreading was by hostname only.
  it("spreads the pods over zones, then nodes, each constraint selecting the release's pods", async () => {
    const pod = findOne<IDeployment>(await helmTemplate(), "Deployment").spec?.template.spec;
    expect(pod?.topologySpreadConstraints).toEqual(
      ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "crisislen",
            "app.kubernetes.io/instance": "crisislen",
          },
        },
      })),
    );
  });
});
