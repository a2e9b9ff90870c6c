/**
 * Turning the scale-out tiers on and off, on both install paths: the Helm chart
 * (monitoring.collectorTier.enabled) and deploy.sh (OTEL_COLLECTOR_TIER, METRICS_HA,
 * JAEGER_STORAGE). With a tier on, the app's traces reach the collector agent the real chart
 * renders (endpoint, NetworkPolicy egress, every trace exported); with every tier off, nothing
 * differs from the single-cluster default.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { labelsMatch } from "./support/cross-reference.js";
import { GOOD_SECRETS, runDeploy } from "./support/deploy-sandbox.js";
import { helmTemplate, helmTemplateRaw } from "./support/helm.js";
import type { KubeObject } from "./support/manifests.js";
import { monitoringDir } from "./support/paths.js";
import { resolveAddress } from "./support/service-address.js";
import { renderUpstream } from "./support/upstream-render.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const PRODUCTION = { release: "crisislen-api", valuesFiles: ["values-production.yaml"] };
const TIER_ON = "monitoring.collectorTier.enabled=true";

interface EgressRule {
  to?: {
    namespaceSelector?: { matchLabels: Record<string, string> };
    podSelector?: { matchLabels: Record<string, string> };
  }[];
  ports?: { port: number | string }[];
}

const configData = (objects: KubeObject[]) =>
  (
    objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.includes("config"),
    ) as unknown as {
      data: Record<string, string>;
    }
  ).data;
/** The egress rules into another namespace (deploy.sh's builds hold one copy per apply step). */
const otlpEgress = (objects: KubeObject[]) =>
  (
    objects.find((o) => o.kind === "NetworkPolicy") as unknown as { spec: { egress: EgressRule[] } }
  ).spec.egress.filter((rule) => rule.to?.[0]?.namespaceSelector !== undefined);

/** Every leaf of an object set, as "Kind/name path" → JSON value, for diffs. */
function leaves(objects: KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, at: string) => {
    if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) walk(child, `${at}.${key}`);
    } else out.set(at, JSON.stringify(value));
  };
  for (const o of objects) walk(o, `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, "")}`);
  return out;
}
function changedPaths(a: KubeObject[], b: KubeObject[]): string[] {
  const [left, right] = [leaves(a), leaves(b)];
  return [...new Set([...left.keys(), ...right.keys()])]
    .filter((key) => left.get(key) !== right.get(key))
    .sort();
}

describe("Helm chart: monitoring.collectorTier", () => {
  it("refuses the tier together with an explicit OTLP endpoint, naming both values", async () => {
    const result = await helmTemplateRaw({
      ...PRODUCTION,
      set: [TIER_ON, "config.otel.exporterOtlpEndpoint=https://otlp.example.com:4318"],
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "crisislen: monitoring.collectorTier.enabled sends traces to the collector agent, but config.otel.exporterOtlpEndpoint (https://otlp.example.com:4318) names another receiver; unset one of them",
    );
  });

  it("changes only the endpoint, the sampler and the egress rule (and the config checksum that rolls the pods)", async () => {
    const [off, on] = await Promise.all([
      helmTemplate(PRODUCTION),
      helmTemplate({ ...PRODUCTION, set: [TIER_ON] }),
    ]);
    expect(changedPaths(off, on)).toEqual([
      "ConfigMap/crisislen-api-config.data.OTEL_EXPORTER_OTLP_ENDPOINT",
      "ConfigMap/crisislen-api-config.data.OTEL_TRACES_SAMPLER",
      "Deployment/crisislen-api.spec.template.metadata.annotations.checksum/config",
      "NetworkPolicy/crisislen-api.spec.egress.3.to.0.podSelector.matchLabels.app.kubernetes.io/instance",
      "NetworkPolicy/crisislen-api.spec.egress.3.to.0.podSelector.matchLabels.app.kubernetes.io/name",
    ]);
    expect(configData(off).OTEL_TRACES_SAMPLER).toBe("parentbased_traceidratio");
    expect(configData(on).OTEL_TRACES_SAMPLER).toBe("parentbased_always_on");
  });
});

describe("deploy.sh: the tier switches", () => {
  it("with no tier variable set installs no collector, no HA values and the Badger Jaeger, exactly as with each set to off", async () => {
    const [unset, off] = await Promise.all([
      runDeploy(["production"], GOOD_SECRETS, { RECORD_BUILDS: "1" }),
      runDeploy(["production"], GOOD_SECRETS, {
        RECORD_BUILDS: "1",
        OTEL_COLLECTOR_TIER: "0",
        METRICS_HA: "0",
        JAEGER_STORAGE: "badger",
      }),
    ]);
    expect([unset.code, off.code]).toEqual([0, 0]);
    expect(unset.calls.filter((c) => /otel-|ha-values|elasticsearch/.test(c))).toEqual([]);
    expect(changedPaths(unset.builds, off.builds)).toEqual([]);
    expect(configData(unset.builds).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      "http://jaeger.monitoring.svc.cluster.local:4318",
    );
    expect(configData(unset.builds).OTEL_TRACES_SAMPLER).toBe("parentbased_traceidratio");
  }, 60_000);

  it("METRICS_HA=1 layers the HA values with the cluster name, environment and store URL; refuses without them", async () => {
    const refused = await runDeploy(["production"], GOOD_SECRETS, { METRICS_HA: "1" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "deploy.sh: METRICS_HA=1 needs CLUSTER_NAME, unique per cluster (lower-case letters, digits, '-'), got ''\n",
    );
    expect(refused.calls).toEqual([]);
    const noUrl = await runDeploy(["production"], GOOD_SECRETS, {
      METRICS_HA: "1",
      CLUSTER_NAME: "eu-west-2",
      REMOTE_WRITE_URL: "thanos:19291",
    });
    expect(noUrl.stderr).toContain("METRICS_HA=1 needs REMOTE_WRITE_URL");
    const { code, calls } = await runDeploy(["production"], GOOD_SECRETS, {
      METRICS_HA: "1",
      CLUSTER_NAME: "eu-west-2",
      REMOTE_WRITE_URL: "http://thanos-receive.thanos.svc.cluster.local:19291/api/v1/receive",
    });
    expect(code).toBe(0);
    const kps = calls.find((c) => c.startsWith("helm upgrade --install kube-prometheus-stack "))!;
    expect(kps).toContain(
      `-f ${monitoringDir}/kube-prometheus-stack-values.yaml -f ${monitoringDir}/kube-prometheus-stack-ha-values.yaml --set-string crisislen.cluster=eu-west-2 --set-string crisislen.environment=production --set-string crisislen.remoteWriteUrl=http://thanos-receive.thanos.svc.cluster.local:19291/api/v1/receive`,
    );
  }, 60_000);

  it("JAEGER_STORAGE=elasticsearch installs Jaeger with the Elasticsearch values; anything else is refused", async () => {
    const es = await runDeploy(["production"], GOOD_SECRETS, { JAEGER_STORAGE: "elasticsearch" });
    expect(es.code).toBe(0);
    expect(es.calls.find((c) => c.startsWith("helm upgrade --install jaeger "))).toContain(
      `-f ${monitoringDir}/jaeger-elasticsearch-values.yaml`,
    );
    // Checked before anything is applied: the Secret Jaeger reads its password from.
    expect(es.calls).toContain("kubectl -n monitoring get secret jaeger-elasticsearch");
    const refused = await runDeploy(["production"], GOOD_SECRETS, { JAEGER_STORAGE: "cassandra" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "deploy.sh: JAEGER_STORAGE='cassandra' must be badger or elasticsearch\n",
    );
    const badFlag = await runDeploy(["production"], GOOD_SECRETS, { OTEL_COLLECTOR_TIER: "yes" });
    expect(badFlag.stderr).toBe("deploy.sh: OTEL_COLLECTOR_TIER='yes' must be 0 or 1\n");
  }, 60_000);
});

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("the app's traces reach the collector agent the real chart renders"),
  () => {
    let agent: KubeObject[];
    let helmOn: KubeObject[];
    let scriptOn: Awaited<ReturnType<typeof runDeploy>>;

    beforeAll(async () => {
      [{ objects: agent }, helmOn, scriptOn] = await Promise.all([
        renderUpstream("opentelemetry-collector", "otel-agent", "monitoring", [
          path.join(monitoringDir, "otel-collector/agent-values.yaml"),
        ]),
        helmTemplate({ ...PRODUCTION, set: [TIER_ON] }),
        runDeploy(["production"], GOOD_SECRETS, { OTEL_COLLECTOR_TIER: "1", RECORD_BUILDS: "1" }),
      ]);
    }, 120_000);

    it("deploy.sh OTEL_COLLECTOR_TIER=1 installs the gateway, then the agent, after Jaeger, with the pinned chart", () => {
      expect(scriptOn.code).toBe(0);
      const helm = scriptOn.calls.filter((c) => c.startsWith("helm upgrade --install"));
      expect(helm.map((c) => c.split(" ")[3])).toEqual([
        "crisislen-postgresql",
        "crisislen-redis",
        "kube-prometheus-stack",
        "jaeger",
        "otel-gateway",
        "otel-agent",
      ]);
      expect(helm.at(-1)).toBe(
        `helm upgrade --install otel-agent opentelemetry-collector --repo https://open-telemetry.github.io/opentelemetry-helm-charts --version 0.170.0 -n monitoring -f ${monitoringDir}/otel-collector/agent-values.yaml --wait --timeout 10m`,
      );
    });

    for (const [name, objects] of [
      ["helm (production values, collectorTier on)", () => helmOn],
      ["deploy.sh OTEL_COLLECTOR_TIER=1 (kustomize)", () => scriptOn.builds],
    ] as const) {
      it(`${name}: the endpoint is the agent's OTLP/HTTP port, every trace is exported, and the NetworkPolicy lets the pods reach the agent`, () => {
        const data = configData(objects());
        expect(data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
          "http://otel-agent.monitoring.svc.cluster.local:4318",
        );
        expect(data.OTEL_TRACES_SAMPLER).toBe("parentbased_always_on");
        const hop = resolveAddress(agent, data.OTEL_EXPORTER_OTLP_ENDPOINT!, "monitoring");
        expect(hop.workload.kind).toBe("DaemonSet");
        expect(hop.servicePort.name).toBe("otlp-http");
        const agentPods = (
          hop.workload as unknown as {
            spec: { template: { metadata: { labels: Record<string, string> } } };
          }
        ).spec.template.metadata.labels;
        const rules = otlpEgress(objects()).filter((rule) =>
          labelsMatch(rule.to![0]!.podSelector?.matchLabels ?? { none: "" }, agentPods),
        );
        expect(rules).toHaveLength(1);
        expect(rules[0]!.to![0]!.namespaceSelector?.matchLabels).toEqual({
          "kubernetes.io/metadata.name": "monitoring",
        });
        expect(rules[0]!.ports).toEqual([{ port: hop.containerPort, protocol: "TCP" }]);
      });
    }
  },
);
