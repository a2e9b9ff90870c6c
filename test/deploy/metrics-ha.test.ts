/**
 * The metrics scale-out tier: kube-prometheus-stack 88.5.3 rendered with the shipped values, then
 * with deploy/monitoring/kube-prometheus-stack-ha-values.yaml layered after them (as deploy.sh does
 * with METRICS_HA=1). Asserted on the Prometheus object the Operator turns into pods.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findOne, type KubeObject } from "./support/manifests.js";
import { monitoringDir } from "./support/paths.js";
import { renderUpstream } from "./support/upstream-render.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const BASE = path.join(monitoringDir, "kube-prometheus-stack-values.yaml");
const HA = path.join(monitoringDir, "kube-prometheus-stack-ha-values.yaml");

interface PrometheusSpec {
  replicas: number;
  externalLabels?: Record<string, string>;
  replicaExternalLabelName?: string;
  remoteWrite?: { url: string; sendExemplars?: boolean; queueConfig?: Record<string, unknown> }[];
  retention: string;
  retentionSize?: string;
  enableFeatures?: string[];
  storage?: {
    volumeClaimTemplate: { spec: { resources: { requests: { storage: string } } } };
  };
  affinity?: { podAntiAffinity: Record<string, unknown> };
}

const render = async (valuesFiles: string[], set: string[] = []) =>
  (
    await renderUpstream(
      "kube-prometheus-stack",
      "kube-prometheus-stack",
      "monitoring",
      valuesFiles,
      set,
    )
  ).objects;
const prometheusSpec = (objects: KubeObject[]) =>
  findOne<{ spec: PrometheusSpec }>(objects, "Prometheus", "kube-prometheus-stack-prometheus").spec;

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("kube-prometheus-stack with the HA/remote-write values"),
  () => {
    let base: KubeObject[];
    let ha: KubeObject[];

    beforeAll(async () => {
      [base, ha] = await Promise.all([render([BASE]), render([BASE, HA])]);
    }, 60_000);

    it("two replicas, on different nodes, never evicted together", () => {
      const spec = prometheusSpec(ha);
      expect(spec.replicas).toBe(2);
      expect(Object.keys(spec.affinity!.podAntiAffinity)).toEqual([
        "requiredDuringSchedulingIgnoredDuringExecution",
      ]);
      const pdb = ha.find(
        (o) => o.kind === "PodDisruptionBudget" && o.metadata.name.includes("prometheus"),
      ) as unknown as { spec: { minAvailable: number } } | undefined;
      expect(pdb?.spec.minAvailable).toBe(1);
    });

    it("external labels cluster and environment, and prometheus_replica as the replica label", () => {
      const spec = prometheusSpec(ha);
      expect(spec.externalLabels).toEqual({
        cluster: "crisislen-production",
        environment: "production",
      });
      expect(spec.replicaExternalLabelName).toBe("prometheus_replica");
    });

    it("remote-writes to the long-term store with exemplars; the local TSDB keeps 15 days on a volume", () => {
      const spec = prometheusSpec(ha);
      expect(spec.remoteWrite).toEqual([
        {
          url: "http://thanos-receive.thanos.svc.cluster.local:19291/api/v1/receive",
          sendExemplars: true,
          queueConfig: {
            capacity: 10000,
            maxShards: 10,
            maxSamplesPerSend: 2000,
            batchSendDeadline: "5s",
          },
        },
      ]);
      expect(spec.enableFeatures).toContain("exemplar-storage");
      expect(spec.retention).toBe("15d");
      expect(spec.retentionSize).toBe("45GB");
      expect(spec.storage?.volumeClaimTemplate.spec.resources.requests.storage).toBe("50Gi");
    });

    it("the cluster name and the store's URL are values (what deploy.sh sets)", async () => {
      const spec = prometheusSpec(
        await render(
          [BASE, HA],
          [
            "crisislen.cluster=eu-west-2",
            "crisislen.environment=staging",
            "crisislen.remoteWriteUrl=http://mimir-distributor.mimir.svc:8080/api/v1/push",
          ],
        ),
      );
      expect(spec.externalLabels).toEqual({ cluster: "eu-west-2", environment: "staging" });
      expect(spec.remoteWrite?.[0]?.url).toBe(
        "http://mimir-distributor.mimir.svc:8080/api/v1/push",
      );
      expect(spec.remoteWrite?.[0]?.sendExemplars).toBe(true);
    }, 60_000);

    it("without the HA values nothing of this is rendered: one replica, no external labels, no remote write", () => {
      const spec = prometheusSpec(base);
      expect(spec.replicas).toBe(1);
      expect(spec.externalLabels).toBeUndefined();
      expect(spec.remoteWrite).toBeUndefined();
    });

    it("the HA values change nothing but the Prometheus object and its PodDisruptionBudget", () => {
      // Grafana's generated admin password (and the checksum of its Secret) differ per render.
      const comparable = (objects: KubeObject[]) =>
        objects
          .filter((o) => o.kind !== "Prometheus" && o.kind !== "PodDisruptionBudget")
          .map((o) =>
            JSON.stringify(o)
              .replace(/"admin-password":"[^"]*"/, '"admin-password":"<random>"')
              .replace(/"checksum\/secret":"[0-9a-f]+"/, '"checksum/secret":"<random>"'),
          );
      expect(comparable(ha)).toEqual(comparable(base));
      const pdbs = (objects: KubeObject[]) =>
        objects.filter((o) => o.kind === "PodDisruptionBudget").map((o) => o.metadata.name);
      expect(pdbs(ha)).toEqual([...pdbs(base), "kube-prometheus-stack-prometheus"]);
    });
  },
);
