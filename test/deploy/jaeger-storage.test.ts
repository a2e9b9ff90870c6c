/**
 * deploy/monitoring/jaeger-elasticsearch-values.yaml rendered with the real jaeger 4.11.1 chart:
 * durable, replicated trace storage (Elasticsearch/OpenSearch) with a retention, behind the same
 * Service the app, the collector gateway and Grafana already point at.
 */
import path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { findOne, type KubeObject } from "./support/manifests.js";
import { monitoringDir } from "./support/paths.js";
import { resolveAddress } from "./support/service-address.js";
import { renderUpstream } from "./support/upstream-render.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

const ES_VALUES = path.join(monitoringDir, "jaeger-elasticsearch-values.yaml");
const BADGER_VALUES = path.join(monitoringDir, "jaeger-values.yaml");

interface Container {
  name: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
}
interface JaegerConfig {
  service: { extensions: string[]; pipelines: Record<string, { exporters: string[] }> };
  extensions: {
    jaeger_query: { storage: { traces: string } };
    jaeger_storage: { backends: Record<string, Record<string, Record<string, unknown>>> };
  };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

/** The Jaeger config the chart mounts (its `user-config` ConfigMap). */
const userConfig = (objects: KubeObject[]) =>
  parse(
    findOne<{ data: Record<string, string> }>(objects, "ConfigMap", "user-config").data[
      "user-config.yaml"
    ]!,
  ) as JaegerConfig;

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("Jaeger on Elasticsearch/OpenSearch (jaeger 4.11.1)"),
  () => {
    let objects: KubeObject[];
    let config: JaegerConfig;

    let badger: KubeObject[];

    beforeAll(async () => {
      [{ objects }, { objects: badger }] = await Promise.all([
        renderUpstream("jaeger", "jaeger", "monitoring", [ES_VALUES]),
        renderUpstream("jaeger", "jaeger", "monitoring", [BADGER_VALUES]),
      ]);
      config = userConfig(objects);
    }, 60_000);

    it("differs from the default (Badger) install only in where traces are stored: same pipeline, ports, Service", () => {
      const withoutStorage = (c: JaegerConfig) => {
        const copy = structuredClone(c) as unknown as {
          extensions: Record<string, Record<string, unknown>>;
          exporters: Record<string, Record<string, unknown>>;
        };
        delete copy.extensions.jaeger_storage;
        delete copy.extensions.jaeger_query!.storage;
        delete copy.exporters.jaeger_storage_exporter!.trace_storage;
        return copy;
      };
      expect(withoutStorage(config)).toEqual(withoutStorage(userConfig(badger)));
      expect(findOne(objects, "Service", "jaeger")).toEqual(findOne(badger, "Service", "jaeger"));
    });

    it("stores traces in Elasticsearch: the query and the exporter both use the one backend defined", () => {
      const backends = config.extensions.jaeger_storage.backends;
      expect(Object.keys(backends)).toEqual(["es_store"]);
      expect(Object.keys(backends.es_store!)).toEqual(["elasticsearch"]);
      expect(config.extensions.jaeger_query.storage.traces).toBe("es_store");
      expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe("es_store");
      expect(config.service.pipelines.traces?.exporters).toEqual(["jaeger_storage_exporter"]);
      expect(config.service.extensions).toContain("jaeger_storage");
    });

    it("keeps no credential in values: the password comes from the Secret through the environment", () => {
      const es = config.extensions.jaeger_storage.backends.es_store!.elasticsearch!;
      expect(es.auth).toEqual({ basic: { username: "jaeger", password: "${env:ES_PASSWORD}" } });
      const deployment = findOne<{ spec: { template: { spec: { containers: Container[] } } } }>(
        objects,
        "Deployment",
        "jaeger",
      );
      const env = deployment.spec.template.spec.containers[0]!.env ?? [];
      expect(env.find((e) => e.name === "ES_PASSWORD")?.valueFrom).toEqual({
        secretKeyRef: { name: "jaeger-elasticsearch", key: "password" },
      });
    });

    it("retention: the index cleaner deletes indices older than 7 days from the same cluster Jaeger writes to, and searches look back 7 days", () => {
      const cronJob = findOne<{
        spec: {
          schedule: string;
          jobTemplate: { spec: { template: { spec: { containers: Container[] } } } };
        };
      }>(objects, "CronJob", "jaeger-es-index-cleaner");
      const [cleaner] = cronJob.spec.jobTemplate.spec.template.spec.containers;
      const es = config.extensions.jaeger_storage.backends.es_store!.elasticsearch!;
      expect(cleaner!.args?.slice(0, 2)).toEqual(["7", (es.server_urls as string[])[0]]);
      expect(cleaner!.env?.find((e) => e.name === "ES_PASSWORD")?.valueFrom).toEqual({
        secretKeyRef: { name: "jaeger-elasticsearch", key: "password" },
      });
      expect(es.max_span_age).toBe("168h");
    });

    it("runs two stateless pods, replaced one at a time", () => {
      const deployment = findOne<{
        spec: {
          replicas: number;
          strategy: { type: string; rollingUpdate: Record<string, number> };
        };
      }>(objects, "Deployment", "jaeger");
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.spec.strategy).toEqual({
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      expect(objects.map((o) => o.kind)).not.toContain("PersistentVolumeClaim");
    });

    it("serves the same addresses as the default install: OTLP 4317/4318 and the query port 16686", () => {
      for (const [port, name] of [
        [4317, "otlp-grpc"],
        [4318, "otlp-http"],
        [16686, "http-query"],
      ] as const) {
        const hop = resolveAddress(
          objects,
          `jaeger.monitoring.svc.cluster.local:${port}`,
          "monitoring",
        );
        expect(hop.servicePort.name).toBe(name);
        expect(hop.containerPort).toBe(port);
      }
    });
  },
);
