/**
 * The monitoring releases deploy.sh installs (kube-prometheus-stack 88.5.3 and Jaeger 4.11.1, with the
 * shipped values files), rendered from the real charts in ../shared/charts, against the objects of ours
 * that depend on them: the ServiceMonitor, PrometheusRule and dashboard labels the operator and the
 * Grafana sidecar select on, Grafana's Jaeger datasource, the Alertmanager route and its Secret, and
 * persistent storage. Each chart is rendered once. Skipped, with the reason, without the packages.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { labelsMatch, serviceOfUrl, servicePort } from "./support/cross-reference.js";
import { helmTemplate } from "./support/helm.js";
import { kustomize } from "./support/kustomize.js";
import { findOne, type KubeObject } from "./support/manifests.js";
import { deployScript, monitoringDir } from "./support/paths.js";
import { renderUpstream, type Rendered } from "./support/upstream-render.js";
import { upstreamMissing } from "./support/upstream.js";

const missing = upstreamMissing();
const MONITORING = "monitoring";
const stackValues = path.join(monitoringDir, "kube-prometheus-stack-values.yaml");

let stack: Rendered;
let jaeger: Rendered;
/** Our monitoring objects: the kustomize set deploy.sh applies, and the chart's (production values). */
let ours: [string, KubeObject[]][];

interface AlertmanagerConfig {
  route: { receiver: string; routes?: { receiver: string; matchers?: string[] }[] };
  receivers: Record<string, unknown>[];
  templates?: string[];
}

const stackObject = <T>(kind: string, name?: string) => findOne<T>(stack.objects, kind, name);

function renderedAlertmanagerConfig(): AlertmanagerConfig {
  const secret = stackObject<ISecret>("Secret", "alertmanager-kube-prometheus-stack-alertmanager");
  const text = Buffer.from(secret.data?.["alertmanager.yaml"] ?? "", "base64").toString("utf8");
  return parse(text) as AlertmanagerConfig;
}

const title = "the monitoring releases deploy.sh installs, rendered from the real charts";
describe.skipIf(missing !== undefined)(missing ? `${title} (skipped: ${missing})` : title, () => {
  beforeAll(async () => {
    let monitoring: KubeObject[];
    let chart: KubeObject[];
    [stack, jaeger, monitoring, chart] = await Promise.all([
      renderUpstream("kube-prometheus-stack", "kube-prometheus-stack", MONITORING, [stackValues]),
      renderUpstream("jaeger", "jaeger", MONITORING, [
        path.join(monitoringDir, "jaeger-values.yaml"),
      ]),
      kustomize(monitoringDir),
      helmTemplate({ release: "crisislen-api", valuesFiles: ["values-production.yaml"] }),
    ]);
    ours = [
      ["kustomize deploy/monitoring", monitoring],
      ["helm (production values)", chart],
    ];
  }, 120_000);

  it("renders both releases without a warning from helm", () => {
    expect(stack.stderr).toBe("");
    expect(jaeger.stderr).toBe("");
  });

  it("labels our ServiceMonitor and PrometheusRule the way the rendered Prometheus selects them", () => {
    const prometheus = stackObject<{
      spec: Record<string, { matchLabels?: Record<string, string> } | undefined>;
    }>("Prometheus");
    expect(prometheus.spec.serviceMonitorNamespaceSelector).toEqual({});
    expect(prometheus.spec.ruleNamespaceSelector).toEqual({});
    for (const [label, objects] of ours) {
      for (const [kind, selector] of [
        ["ServiceMonitor", "serviceMonitorSelector"],
        ["PrometheusRule", "ruleSelector"],
      ] as const) {
        const matchLabels = prometheus.spec[selector]?.matchLabels ?? {};
        expect(Object.keys(matchLabels), `${label} ${kind}`).not.toEqual([]);
        // The alerts, and the SLO rules where the set has them.
        const ofKind = objects.filter((o) => o.kind === kind);
        expect(ofKind.length, `${label} ${kind}`).toBeGreaterThan(0);
        for (const object of ofKind) {
          const where = `${label} ${kind}/${object.metadata.name}`;
          expect(labelsMatch(matchLabels, object.metadata.labels ?? {}), where).toBe(true);
        }
      }
    }
  });

  it("labels our dashboard ConfigMap the way the rendered Grafana sidecar looks for dashboards, titled System Overview", () => {
    const grafana = stackObject<{
      spec: {
        template: {
          spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] };
        };
      };
    }>("Deployment", "kube-prometheus-stack-grafana");
    const sidecar = grafana.spec.template.spec.containers.find(
      (c) => c.name === "grafana-sc-dashboard",
    );
    const env = Object.fromEntries((sidecar?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.NAMESPACE).toBe("ALL");
    for (const [label, objects] of ours) {
      const dashboard = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("grafana-dashboard"),
      ) as IConfigMap;
      expect(dashboard.metadata?.labels?.[env.LABEL!], label).toBe(env.LABEL_VALUE);
      const json = JSON.parse(dashboard.data?.["crisislen-overview.json"] ?? "{}") as {
        title: string;
      };
      expect(json.title, label).toBe("System Overview");
    }
  });

  // Finding #2: Grafana's Jaeger datasource named a Service the pinned Jaeger chart did not render.
  it("points Grafana's Jaeger datasource at the query port of the Jaeger Service, and exemplars at it", () => {
    const provisioning = stackObject<IConfigMap>(
      "ConfigMap",
      "kube-prometheus-stack-grafana-datasource",
    );
    const { datasources } = parse(provisioning.data?.["datasource.yaml"] ?? "") as {
      datasources: {
        type: string;
        uid: string;
        url: string;
        jsonData?: { exemplarTraceIdDestinations?: { datasourceUid: string; name: string }[] };
      }[];
    };
    const jaegerSource = datasources.find((d) => d.type === "jaeger");
    expect(jaegerSource?.url).toBe("http://jaeger:16686");
    // A short name resolves in Grafana's own namespace, where deploy.sh also installs Jaeger.
    const grafanaNamespace = stackObject<KubeObject>("Deployment", "kube-prometheus-stack-grafana")
      .metadata.namespace;
    const target = serviceOfUrl(jaegerSource!.url, grafanaNamespace!);
    expect(target.namespace).toBe(MONITORING);
    expect(servicePort(jaeger.objects, target.service, target.port).name).toBe("http-query");
    const prometheusSource = datasources.find((d) => d.type === "prometheus");
    expect(prometheusSource?.jsonData?.exemplarTraceIdDestinations).toEqual([
      expect.objectContaining({ datasourceUid: jaegerSource!.uid, name: "trace_id" }),
    ]);
  });

  // Finding #4: the chart's default route sends everything to the "null" receiver.
  it("routes critical alerts to the paging receiver and warnings to the ticket receiver, none to null", () => {
    const config = renderedAlertmanagerConfig();
    const byName = Object.fromEntries(config.receivers.map((r) => [r.name as string, r]));
    const receiverFor = (severity: string) =>
      config.route.routes?.find((r) => r.matchers?.includes(`severity = "${severity}"`))?.receiver;
    expect(receiverFor("critical")).toBe("page");
    expect(receiverFor("warning")).toBe("ticket");
    expect(config.route.receiver).toBe("ticket");
    expect(Object.keys(byName.page ?? {})).toContain("pagerduty_configs");
    expect(Object.keys(byName.ticket ?? {})).toContain("slack_configs");
    // What the chart renders is the values file's config (plus the chart's template glob).
    const values = parse(readFileSync(stackValues, "utf8")) as { alertmanager: { config: object } };
    expect({ ...config, templates: undefined }).toEqual({
      ...values.alertmanager.config,
      templates: undefined,
    });
  });

  it("reads every receiver credential from the mounted Secret deploy.sh creates, with the keys its template has", () => {
    const alertmanager = stackObject<{ spec: { secrets?: string[] } }>("Alertmanager");
    const secretName = /ALERTMANAGER_SECRET=([\w-]+)/.exec(readFileSync(deployScript, "utf8"))?.[1];
    expect(alertmanager.spec.secrets).toEqual([secretName]);
    const keys = readFileSync(
      path.join(monitoringDir, "alertmanager-receivers.env.example"),
      "utf8",
    )
      .split("\n")
      .filter((l) => /^[\w-]+=/.test(l))
      .map((l) => l.split("=")[0]);
    const text = JSON.stringify(renderedAlertmanagerConfig());
    const files = [...text.matchAll(/"(\w+_file)":"([^"]+)"/g)].map((m) => m[2]);
    expect(files.sort()).toEqual(
      keys.map((key) => `/etc/alertmanager/secrets/${secretName}/${key}`).sort(),
    );
    expect(text).not.toMatch(/routing_key"|api_url"|hooks\.slack\.com/);
  });

  // Finding #11: Prometheus and Jaeger ran without persistent storage.
  it("keeps Prometheus, Alertmanager and Jaeger data on PersistentVolumeClaims", () => {
    for (const kind of ["Prometheus", "Alertmanager"]) {
      const spec = stackObject<{
        spec: {
          storage?: {
            volumeClaimTemplate?: { spec: { resources: { requests: { storage: string } } } };
          };
        };
      }>(kind).spec;
      expect(spec.storage?.volumeClaimTemplate?.spec.resources.requests.storage, kind).toMatch(
        /^\d+Gi$/,
      );
    }
    const deployment = findOne<{
      spec: {
        template: {
          spec: {
            volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
            containers: { volumeMounts?: { name: string; mountPath: string }[] }[];
          };
        };
      };
    }>(jaeger.objects, "Deployment", "jaeger");
    const volume = deployment.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim);
    findOne(jaeger.objects, "PersistentVolumeClaim", volume?.persistentVolumeClaim?.claimName);
    const mount = deployment.spec.template.spec.containers[0]?.volumeMounts?.find(
      (m) => m.name === volume?.name,
    );
    const userConfig = findOne<IConfigMap>(jaeger.objects, "ConfigMap", "user-config");
    const storage = (
      parse(userConfig.data?.["user-config.yaml"] ?? "") as {
        extensions: {
          jaeger_storage: {
            backends: Record<
              string,
              { badger?: { ephemeral: boolean; directories: Record<string, string> } }
            >;
          };
        };
      }
    ).extensions.jaeger_storage.backends;
    const badger = Object.values(storage)[0]?.badger;
    expect(badger?.ephemeral).toBe(false);
    for (const dir of Object.values(badger?.directories ?? {}))
      expect(dir.startsWith(`${mount?.mountPath}/`)).toBe(true);
    const args = JSON.stringify(deployment.spec.template.spec.containers[0]);
    expect(args).toContain("/etc/jaeger/user-config.yaml");
  });
});
