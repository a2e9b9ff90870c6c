/**
 * The OpenTelemetry Collector configuration as the opentelemetry-collector chart renders it (the
 * `relay` key of the ConfigMap its workload mounts), and the structural checks the collector itself
 * makes at start-up: every component a pipeline names is defined, every pipeline has a receiver
 * and an exporter, every service extension is defined. No collector binary runs here, so these are
 * the checks that stand in for `otelcol validate`.
 */
import { parse } from "yaml";
import { findOne, type KubeObject } from "./manifests.js";

type Section = Record<string, Record<string, unknown> | null>;
export interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
export interface CollectorConfig {
  receivers?: Section;
  processors?: Section;
  exporters?: Section;
  connectors?: Section;
  extensions?: Section;
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface PodSpec {
  containers: { name: string; env?: EnvVar[]; args?: string[] }[];
  volumes?: { name: string; configMap?: { name: string } }[];
}
interface Workload extends KubeObject {
  spec: { template: { spec: PodSpec } };
}

/** The collector's workload in a render: its DaemonSet or Deployment. */
export function collectorWorkload(objects: KubeObject[], kind: "DaemonSet" | "Deployment") {
  return findOne<Workload>(objects, kind);
}

/** The parsed config the workload's pods read, from the ConfigMap volume they mount. */
export function collectorConfig(objects: KubeObject[], workload: Workload): CollectorConfig {
  const volumes = workload.spec.template.spec.volumes ?? [];
  const mounted = volumes.map((v) => v.configMap?.name).filter((n): n is string => !!n);
  if (mounted.length !== 1) {
    throw new Error(
      `${workload.metadata.name} mounts ${mounted.length} ConfigMaps, expected one: ${mounted.join(", ")}`,
    );
  }
  const configMap = findOne<{ data: Record<string, string> }>(objects, "ConfigMap", mounted[0]);
  const relay = configMap.data.relay;
  if (relay === undefined) throw new Error(`ConfigMap ${mounted[0]} has no relay key`);
  return parse(relay) as CollectorConfig;
}

/**
 * Replaces the collector's `${env:NAME}` references with what the pod's environment holds. A
 * variable from the downward API resolves to the object it reads: `metadata.namespace` is the
 * namespace the release is installed into. Throws on a variable the pod does not set.
 */
export function resolveEnv(value: string, workload: Workload, namespace: string): string {
  const env = workload.spec.template.spec.containers[0]?.env ?? [];
  return value.replace(/\$\{env:(\w+)\}/g, (_match, name: string) => {
    const variable = env.find((e) => e.name === name);
    if (variable?.value !== undefined) return variable.value;
    if (variable?.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") return namespace;
    throw new Error(
      `${workload.metadata.name}: \${env:${name}} is not resolvable offline (pod env: ${JSON.stringify(variable ?? "unset")})`,
    );
  });
}

const KINDS = ["receivers", "processors", "exporters"] as const;

/**
 * What `otelcol` would refuse, or what a pipeline would silently not do. Empty when the config is
 * sound. Connectors count as both receivers and exporters, as in the collector.
 */
export function configProblems(config: CollectorConfig): string[] {
  const problems: string[] = [];
  const defined = (kind: (typeof KINDS)[number]) =>
    new Set([
      ...Object.keys(config[kind] ?? {}),
      ...(kind === "processors" ? [] : Object.keys(config.connectors ?? {})),
    ]);
  const used = new Map<string, Set<string>>(KINDS.map((kind) => [kind, new Set<string>()]));
  const pipelines = Object.entries(config.service?.pipelines ?? {});
  if (pipelines.length === 0) problems.push("service.pipelines is empty");
  for (const [name, pipeline] of pipelines) {
    if (!/^(traces|metrics|logs|profiles)(\/.+)?$/.test(name)) {
      problems.push(`pipeline ${name}: not a traces, metrics, logs or profiles pipeline`);
    }
    if ((pipeline.receivers ?? []).length === 0) problems.push(`pipeline ${name}: no receiver`);
    if ((pipeline.exporters ?? []).length === 0) problems.push(`pipeline ${name}: no exporter`);
    for (const kind of KINDS) {
      for (const id of pipeline[kind] ?? []) {
        used.get(kind)!.add(id);
        if (!defined(kind).has(id)) problems.push(`pipeline ${name}: ${kind} ${id} is not defined`);
      }
    }
  }
  for (const kind of KINDS) {
    for (const id of Object.keys(config[kind] ?? {})) {
      if (!used.get(kind)!.has(id))
        problems.push(`${kind} ${id} is defined but no pipeline uses it`);
    }
  }
  for (const id of config.service?.extensions ?? []) {
    if (!(id in (config.extensions ?? {}))) problems.push(`service extension ${id} is not defined`);
  }
  return problems;
}

/** The component type of an id (`otlp_grpc/jaeger` → `otlp_grpc`). */
export const componentType = (id: string): string => id.split("/")[0]!;
