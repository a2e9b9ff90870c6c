/**
 * The OpenTelemetry Collector tier (deploy/monitoring/otel-collector/), rendered with the real
 * opentelemetry-collector 0.170.0 chart next to the real jaeger 4.11.1 chart, as deploy.sh installs
 * them into one namespace. Every hop of the trace path is followed through what the charts render:
 * app → agent Service → agent pods; agent's loadbalancing exporter → the gateway's headless Service
 * → gateway pods; gateway's OTLP exporter → Jaeger's Service → Jaeger's container port.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  collectorConfig,
  collectorWorkload,
  resolveEnv,
  type CollectorConfig,
} from "./support/collector-config.js";
import type { KubeObject } from "./support/manifests.js";
import { monitoringDir } from "./support/paths.js";
import { resolveAddress, type Service } from "./support/service-address.js";
import { lintUpstream, renderUpstream } from "./support/upstream-render.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const AGENT_VALUES = path.join(monitoringDir, "otel-collector/agent-values.yaml");
const GATEWAY_VALUES = path.join(monitoringDir, "otel-collector/gateway-values.yaml");
const JAEGER_VALUES = path.join(monitoringDir, "jaeger-values.yaml");

interface Tier {
  namespace: string;
  agent: KubeObject[];
  gateway: KubeObject[];
  jaeger: KubeObject[];
  all: KubeObject[];
}

async function renderTier(namespace: string): Promise<Tier> {
  const [{ objects: agent }, { objects: gateway }, { objects: jaeger }] = await Promise.all([
    renderUpstream("opentelemetry-collector", "otel-agent", namespace, [AGENT_VALUES]),
    renderUpstream("opentelemetry-collector", "otel-gateway", namespace, [GATEWAY_VALUES]),
    renderUpstream("jaeger", "jaeger", namespace, [JAEGER_VALUES]),
  ]);
  return { namespace, agent, gateway, jaeger, all: [...agent, ...gateway, ...jaeger] };
}

function loadbalancingHost(tier: Tier, config: CollectorConfig): string {
  const exporter = config.exporters?.loadbalancing as {
    resolver: { dns: { hostname: string; port: number } };
  };
  const workload = collectorWorkload(tier.agent, "DaemonSet");
  return `${resolveEnv(exporter.resolver.dns.hostname, workload, tier.namespace)}:${exporter.resolver.dns.port}`;
}

function jaegerEndpoint(tier: Tier, config: CollectorConfig): string {
  const exporter = config.exporters?.["otlp_grpc/jaeger"] as { endpoint: string };
  const workload = collectorWorkload(tier.gateway, "Deployment");
  return resolveEnv(exporter.endpoint, workload, tier.namespace);
}

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("collector tier: agent → gateway → Jaeger, through the real charts"),
  () => {
    let tier: Tier;
    let agentConfig: CollectorConfig;
    let gatewayConfig: CollectorConfig;

    beforeAll(async () => {
      tier = await renderTier("monitoring");
      agentConfig = collectorConfig(tier.agent, collectorWorkload(tier.agent, "DaemonSet"));
      gatewayConfig = collectorConfig(tier.gateway, collectorWorkload(tier.gateway, "Deployment"));
    }, 60_000);

    it("both values files pass helm lint --strict against the chart", async () => {
      for (const file of [AGENT_VALUES, GATEWAY_VALUES]) {
        const out = await lintUpstream("opentelemetry-collector", [file]);
        expect(out, file).toContain("1 chart(s) linted, 0 chart(s) failed");
      }
    }, 60_000);

    it("app → agent: http://otel-agent.monitoring.svc.cluster.local:4318 reaches the agent's OTLP/HTTP receiver on the pod's own node", () => {
      const hop = resolveAddress(
        tier.all,
        "http://otel-agent.monitoring.svc.cluster.local:4318",
        "monitoring",
      );
      expect(hop.workload.kind).toBe("DaemonSet");
      expect(hop.servicePort.name).toBe("otlp-http");
      expect(hop.service.spec.internalTrafficPolicy).toBe("Local");
      const http = (agentConfig.receivers?.otlp as { protocols: { http: { endpoint: string } } })
        .protocols.http.endpoint;
      expect(http).toBe(`\${env:MY_POD_IP}:${hop.containerPort}`);
    });

    it("agent: k8s_attributes in the traces pipeline, with the chart preset's ClusterRole bound to the agent's ServiceAccount", () => {
      expect(agentConfig.service.pipelines.traces?.processors).toEqual([
        "memory_limiter",
        "k8s_attributes",
        "batch",
      ]);
      const role = tier.agent.find((o) => o.kind === "ClusterRole") as unknown as {
        rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      };
      expect(role.rules).toContainEqual({
        apiGroups: [""],
        resources: ["pods", "namespaces"],
        verbs: ["get", "watch", "list"],
      });
      expect(role.rules).toContainEqual({
        apiGroups: ["apps"],
        resources: ["replicasets"],
        verbs: ["get", "list", "watch"],
      });
      const binding = tier.agent.find((o) => o.kind === "ClusterRoleBinding") as unknown as {
        roleRef: { name: string };
        subjects: { kind: string; name: string; namespace: string }[];
      };
      const daemonSet = collectorWorkload(tier.agent, "DaemonSet") as unknown as {
        spec: { template: { spec: { serviceAccountName: string } } };
      };
      expect(binding.roleRef.name).toBe((role as unknown as KubeObject).metadata.name);
      expect(binding.subjects).toEqual([
        {
          kind: "ServiceAccount",
          name: daemonSet.spec.template.spec.serviceAccountName,
          namespace: "monitoring",
        },
      ]);
    });

    it("agent → gateway: the loadbalancing exporter routes by trace id to the gateway's headless Service and its OTLP/gRPC receiver", () => {
      const exporter = agentConfig.exporters?.loadbalancing as { routing_key: string };
      expect(exporter.routing_key).toBe("traceID");
      expect(agentConfig.service.pipelines.traces?.exporters).toEqual(["loadbalancing"]);
      const address = loadbalancingHost(tier, agentConfig);
      expect(address).toBe("otel-gateway.monitoring.svc.cluster.local:4317");
      const hop = resolveAddress(tier.all, address, "monitoring");
      expect(hop.workload.kind).toBe("Deployment");
      expect(hop.workload.metadata.name).toBe("otel-gateway");
      // Headless: DNS returns the pods, so the exporter (not kube-proxy) picks the pod per trace.
      expect(hop.service.spec.clusterIP).toBe("None");
      const grpc = (gatewayConfig.receivers?.otlp as { protocols: { grpc: { endpoint: string } } })
        .protocols.grpc.endpoint;
      expect(grpc).toBe(`\${env:MY_POD_IP}:${hop.containerPort}`);
    });

    it("gateway: a Deployment the HPA scales (2–10, CPU) with a PodDisruptionBudget", () => {
      const hpa = tier.gateway.find((o) => o.kind === "HorizontalPodAutoscaler") as unknown as {
        spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
      };
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "otel-gateway" });
      expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
      expect(tier.gateway.map((o) => o.kind)).toContain("PodDisruptionBudget");
      const deployment = collectorWorkload(tier.gateway, "Deployment");
      expect((deployment as unknown as { spec: { replicas?: number } }).spec.replicas).toBe(
        undefined,
      );
    });

    it("gateway → Jaeger: the OTLP/gRPC exporter reaches the jaeger chart's Service port otlp-grpc (4317)", () => {
      expect(gatewayConfig.service.pipelines.traces?.exporters).toEqual(["otlp_grpc/jaeger"]);
      const endpoint = jaegerEndpoint(tier, gatewayConfig);
      expect(endpoint).toBe("jaeger.monitoring.svc.cluster.local:4317");
      const hop = resolveAddress(tier.all, endpoint, "monitoring");
      expect(hop.service.metadata.name).toBe("jaeger");
      expect(hop.servicePort.name).toBe("otlp-grpc");
      expect(hop.workload.kind).toBe("Deployment");
      expect(hop.containerPort).toBe(4317);
    });

    it("the derived addresses follow the namespace the releases are installed into", async () => {
      const elsewhere = await renderTier("observability");
      const agent = collectorConfig(
        elsewhere.agent,
        collectorWorkload(elsewhere.agent, "DaemonSet"),
      );
      const gateway = collectorConfig(
        elsewhere.gateway,
        collectorWorkload(elsewhere.gateway, "Deployment"),
      );
      const toGateway = resolveAddress(
        elsewhere.all,
        loadbalancingHost(elsewhere, agent),
        "observability",
      );
      const toJaeger = resolveAddress(
        elsewhere.all,
        jaegerEndpoint(elsewhere, gateway),
        "observability",
      );
      expect(toGateway.service.metadata.name).toBe("otel-gateway");
      expect(toJaeger.service.metadata.name).toBe("jaeger");
      const services = elsewhere.all.filter((o): o is Service => o.kind === "Service");
      expect(new Set(services.map((s) => s.metadata.namespace ?? "observability"))).toEqual(
        new Set(["observability"]),
      );
    }, 60_000);
  },
);
