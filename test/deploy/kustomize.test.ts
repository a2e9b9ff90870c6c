import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { describe, expect, it } from "vitest";
import { kustomize, kustomizeOverlay } from "./support/kustomize.js";
import { findOne, type KubeObject } from "./support/manifests.js";
import { baseDir, monitoringDir } from "./support/paths.js";

describe("kustomize base and overlays (deploy/k8s)", () => {
  it("puts every production object in namespace crisislen, and staging in crisislen-staging", async () => {
    for (const [env, namespace] of [
      ["production", "crisislen"],
      ["staging", "crisislen-staging"],
    ] as const) {
      const objects = await kustomizeOverlay(env);
      expect(findOne<KubeObject>(objects, "Namespace").metadata.name).toBe(namespace);
      const namespaced = objects.filter((o) => o.kind !== "Namespace");
      expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set([namespace]));
    }
  });

  it("labels every base object with the deploy.sh step that applies it", async () => {
    const steps = Object.fromEntries(
      (await kustomize(baseDir)).map((o) => [
        `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, "-<hash>")}`,
        o.metadata.labels?.["crisislen.dev/deploy-step"],
      ]),
    );
    expect(steps).toEqual({
      "Namespace/crisislen": "namespace",
      "ConfigMap/crisislen-api-config-<hash>": "config",
      "ServiceAccount/crisislen-api": "app",
      "Deployment/crisislen-api": "app",
      "Service/crisislen-api": "app",
      "PodDisruptionBudget/crisislen-api": "app",
      "NetworkPolicy/crisislen-api": "app",
      "Ingress/crisislen-api": "ingress",
      "Ingress/crisislen-api-blocked-paths": "ingress",
      "HorizontalPodAutoscaler/crisislen-api": "autoscaling",
    });
    const overlaySteps = (await kustomizeOverlay("production"))
      .filter((o) => o.kind === "Secret")
      .map((o) => o.metadata.labels?.["crisislen.dev/deploy-step"]);
    expect(overlaySteps).toEqual(["config", "config"]);
  });

  it("gives staging its own host, the Let's Encrypt staging issuer and full sampling", async () => {
    const staging = await kustomizeOverlay("staging");
    const ingress = findOne<IIngress>(staging, "Ingress", "crisislen-api");
    const blocked = findOne<IIngress>(staging, "Ingress", "crisislen-api-blocked-paths");
    expect(blocked.spec?.rules?.[0]?.host).toBe("api.staging.crisislen.example.com");
    expect(blocked.spec?.tls?.[0]?.hosts).toEqual(["api.staging.crisislen.example.com"]);
    expect(ingress.metadata?.annotations?.["cert-manager.io/cluster-issuer"]).toBe(
      "letsencrypt-staging",
    );
    expect(ingress.spec?.rules?.[0]?.host).toBe("api.staging.crisislen.example.com");
    expect(ingress.spec?.tls?.[0]?.hosts).toEqual(["api.staging.crisislen.example.com"]);
    const config = findOne<IConfigMap>(staging, "ConfigMap");
    expect(config.metadata?.name).toMatch(/^crisislen-api-config-[a-z0-9]{10}$/);
    expect(config.data).toMatchObject({
      OTEL_TRACES_SAMPLER_ARG: "1",
      DEPLOYMENT_ENVIRONMENT: "staging",
    });
  });

  it("runs the pod non-root, read-only, without capabilities or a service-account token", async () => {
    const pod = findOne<IDeployment>(await kustomizeOverlay("production"), "Deployment").spec
      ?.template.spec;
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod?.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod?.containers[0]?.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
  });

  it("lets only the monitoring namespace reach the metrics port, and denies egress but DNS, the databases and OTLP", async () => {
    const policy = findOne<INetworkPolicy>(await kustomizeOverlay("production"), "NetworkPolicy");
    expect(policy.spec?.ingress).toEqual([
      { ports: [{ port: "http", protocol: "TCP" }] },
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ],
        ports: [{ port: "metrics", protocol: "TCP" }],
      },
    ]);
    expect(policy.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(
      policy.spec?.egress?.map((rule) => ({
        to: rule.to?.map((peer) => ({
          ns: peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"],
          pods: peer.podSelector?.matchLabels,
        })),
        ports: rule.ports?.map((p) => `${p.port}/${p.protocol}`),
      })),
    ).toEqual([
      {
        to: [{ ns: "kube-system", pods: { "k8s-app": "kube-dns" } }],
        ports: ["53/UDP", "53/TCP"],
      },
      {
        to: [
          {
            ns: undefined,
            pods: {
              "app.kubernetes.io/name": "postgresql",
              "app.kubernetes.io/instance": "crisislen-postgresql",
            },
          },
        ],
        ports: ["5432/TCP"],
      },
      {
        to: [
          {
            ns: undefined,
            pods: {
              "app.kubernetes.io/name": "redis",
              "app.kubernetes.io/instance": "crisislen-redis",
            },
          },
        ],
        ports: ["6379/TCP"],
      },
      {
        to: [
          {
            ns: "monitoring",
            pods: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "jaeger" },
          },
        ],
        ports: ["4318/TCP"],
      },
    ]);
  });

  it("spreads the pods across zones, then nodes", async () => {
    const pod = findOne<IDeployment>(await kustomizeOverlay("production"), "Deployment").spec
      ?.template.spec;
    expect(pod?.topologySpreadConstraints?.map((c) => [c.topologyKey, c.maxSkew])).toEqual([
      ["topology.kubernetes.io/zone", 1],
      ["kubernetes.io/hostname", 1],
    ]);
  });

  it("generates the dashboard ConfigMap with the Grafana sidecar label and a stable name", async () => {
    const configMap = findOne<IConfigMap>(await kustomize(monitoringDir), "ConfigMap");
    expect(configMap.metadata?.name).toBe("crisislen-grafana-dashboard");
    expect(configMap.metadata?.labels?.grafana_dashboard).toBe("1");
    expect(Object.keys(configMap.data ?? {})).toEqual(["crisislen-overview.json"]);
  });
});
