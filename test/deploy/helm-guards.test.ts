/**
 * Values the chart refuses, and the settings that must hold together (findings #7, #8, #9, #11 of the
 * deploy review): CHANGE_ME secrets without an explicit opt-in, replica bounds, the V8 heap against
 * the memory limit and the HPA's memory target, the grace period against the drain; a rotated
 * existingSecret rolling the pods; spreading over zones. Every refusal names the value.
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
  it("refuses the CHANGE_ME placeholder secrets unless secret.allowPlaceholders is set", async () => {
    expect(await refusal({ allowPlaceholders: false })).toBe(
      "crisislen: secret.values.POSTGRES_PASSWORD is still the CHANGE_ME placeholder. Set secret.existingSecret to a Secret you manage, pass real values from outside git (-f secrets.yaml), or set secret.allowPlaceholders=true for a throwaway cluster",
    );
    const filled = ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY"].map(
      (key) => `secret.values.${key}=${key.toLowerCase()}-from-vault`,
    );
    expect(await refusal({ allowPlaceholders: false, set: filled.slice(1) })).toContain(
      "secret.values.POSTGRES_PASSWORD is still the CHANGE_ME placeholder",
    );
    expect(await refusal({ allowPlaceholders: false, set: filled })).toBe("");
    expect(await refusal({ allowPlaceholders: false })).not.toBe("");
    expect(await refusal({ allowPlaceholders: true })).toBe("");
    // Production values read an existing Secret: no placeholder, no opt-in needed.
    expect(
      await refusal({
        allowPlaceholders: false,
        release: "crisislen-api",
        valuesFiles: PRODUCTION,
      }),
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
      ["secret.existingSecret=vault-synced"],
      'crisislen: postgresql.auth.existingSecret renders as "crisislen-secrets" but the app reads Secret "vault-synced"; keep them equal so the app and the database share one password',
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
          "postgresql.auth.existingSecret=vault-synced",
          "redis.auth.existingSecret=vault-synced",
        ],
      }),
    ).toBe("");
  });
});

describe("helm chart: rollout and placement", () => {
  // Finding #7: with existingSecret the checksum never changed, so a rotation rolled nothing.
  it("rolls the pods when secret.revision changes with an existingSecret, and not otherwise", async () => {
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
