/**
 * What the Prometheus Operator generates for each replica of the HA pair that
 * deploy/monitoring/kube-prometheus-stack-ha-values.yaml asks for, as plain prometheus.yml pieces:
 * the external labels (the values' `externalLabels`, plus the Operator's own `prometheus` and
 * replica labels) and the remote_write entry (`sendExemplars`, `queueConfig`). Read from the shipped
 * file, so the end-to-end test runs with the labels and settings users install;
 * test/deploy/metrics-ha.test.ts checks that the chart renders the same into the Prometheus object.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";
import { monitoringDir } from "../../deploy/support/paths.js";

export const haValuesFile = path.join(monitoringDir, "kube-prometheus-stack-ha-values.yaml");

/** The Prometheus object kube-prometheus-stack names after its release, and its namespace. */
const PROMETHEUS = "kube-prometheus-stack-prometheus";
const NAMESPACE = "monitoring";

interface HaValues {
  crisislen: Record<string, string>;
  prometheus: {
    prometheusSpec: {
      replicas: number;
      replicaExternalLabelName: string;
      externalLabels: Record<string, string>;
      remoteWrite: {
        url: string;
        sendExemplars?: boolean;
        queueConfig?: Record<string, unknown>;
      }[];
    };
  };
}

export interface HaPair {
  replicas: number;
  replicaLabel: string;
  /** Labels every replica adds, before the replica label. */
  sharedLabels: Record<string, string>;
  /** The external_labels of replica `i` (its pod is …-prometheus-<i>). */
  externalLabels(i: number): Record<string, string>;
  /** The remote_write entry, sent to `url`, with `queueOverrides` applied (test timing). */
  remoteWrite(url: string, queueOverrides?: Record<string, unknown>): Record<string, unknown>;
}

/** `{{ .Values.a.b }}` → the value at a.b; anything else is returned as written. */
function resolveTemplate(value: string, values: HaValues): string {
  return value.replace(/\{\{\s*\.Values\.([\w.]+)\s*\}\}/g, (_m, key: string) => {
    const found = key.split(".").reduce<unknown>((node, part) => {
      return (node as Record<string, unknown> | undefined)?.[part];
    }, values);
    if (typeof found !== "string")
      throw new Error(`${haValuesFile}: .Values.${key} is not a string`);
    return found;
  });
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function loadHaPair(): HaPair {
  const values = parse(readFileSync(haValuesFile, "utf8")) as HaValues;
  const spec = values.prometheus.prometheusSpec;
  const sharedLabels = {
    ...Object.fromEntries(
      Object.entries(spec.externalLabels).map(([k, v]) => [k, resolveTemplate(v, values)]),
    ),
    prometheus: `${NAMESPACE}/${PROMETHEUS}`,
  };
  const [entry] = spec.remoteWrite;
  if (!entry || spec.remoteWrite.length !== 1)
    throw new Error(`${haValuesFile}: one remoteWrite expected`);
  return {
    replicas: spec.replicas,
    replicaLabel: spec.replicaExternalLabelName,
    sharedLabels,
    externalLabels: (i) => ({
      ...sharedLabels,
      [spec.replicaExternalLabelName]: `prometheus-${PROMETHEUS}-${i}`,
    }),
    remoteWrite: (url, queueOverrides = {}) => ({
      url,
      send_exemplars: entry.sendExemplars ?? false,
      queue_config: Object.fromEntries(
        Object.entries({ ...entry.queueConfig, ...queueOverrides }).map(([k, v]) => [
          snakeCase(k),
          v,
        ]),
      ),
    }),
  };
}

/**
 * Adds `label="value"` to every vector selector of `expr` (parsed with Prometheus' grammar): the
 * view a deduplicating store gives once it has elected one replica (Mimir's HA tracker keeps only
 * that replica's samples; Thanos Query serves one replica's samples per series).
 */
export function withMatcher(expr: string, label: string, value: string): string {
  const inserts: { at: number; text: string }[] = [];
  const matcher = `${label}=${JSON.stringify(value)}`;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`cannot parse ${expr} at ${node.from}`);
      if (node.name !== "VectorSelector") return;
      const braces = node.node.getChild("LabelMatchers");
      if (!braces) inserts.push({ at: node.to, text: `{${matcher}}` });
      else {
        const empty = expr.slice(braces.from, braces.to).replace(/\s/g, "") === "{}";
        inserts.push({ at: braces.from + 1, text: empty ? matcher : `${matcher}, ` });
      }
    },
  });
  return inserts
    .sort((a, b) => b.at - a.at)
    .reduce((text, { at, text: add }) => text.slice(0, at) + add + text.slice(at), expr);
}
