/**
 * Renders a prom-client registry as Prometheus text (0.0.4) or OpenMetrics 1.0. Done here
 * rather than by `registry.metrics()` because a registry has one fixed content type, while the
 * endpoint must answer each scraper in the format its `Accept` asks for — and only OpenMetrics
 * may carry exemplars.
 */
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { AnyRegistry } from "../metrics/registry.js";

/** Content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** Content type of OpenMetrics text. */
export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";

interface Sample extends MetricValue<string> {
  metricName?: string;
  exemplar?: {
    labelSet: Record<string, string | number>;
    value: number;
    timestamp?: number;
  } | null;
}

function escapeHelp(text: string, openMetrics: boolean): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped;
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabelValue(value: string): string {
  // Almost no label value needs escaping; testing first avoids three replacements per value.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string | number | undefined>): string {
  let out = "";
  for (const name in labels) {
    const value = labels[name];
    if (value === undefined) continue;
    out += `${out === "" ? "" : ","}${name}="${escapeLabelValue(typeof value === "number" ? formatNumber(value) : value)}"`;
  }
  return out === "" ? "" : `{${out}}`;
}

function familyName(
  metric: MetricObjectWithValues<MetricValue<string>>,
  openMetrics: boolean,
): string {
  if (openMetrics && String(metric.type) === "counter" && metric.name.endsWith("_total")) {
    return metric.name.slice(0, -"_total".length);
  }
  return metric.name;
}

function renderFamily(
  metric: MetricObjectWithValues<MetricValue<string>>,
  openMetrics: boolean,
): string {
  const family = familyName(metric, openMetrics);
  // prom-client's typings call `type` an enum; at run time it is the text ("counter", …).
  const declared = String(metric.type);
  const type = openMetrics && declared === "untyped" ? "unknown" : declared;
  let out = `# HELP ${family} ${escapeHelp(metric.help, openMetrics)}\n# TYPE ${family} ${type}\n`;
  const counterSuffix = openMetrics && declared === "counter";
  for (const sample of metric.values as Sample[]) {
    let name = sample.metricName ?? metric.name;
    if (counterSuffix && sample.metricName === undefined) name = `${family}_total`;
    out += `${name}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`;
    if (openMetrics && sample.exemplar) {
      const { labelSet, value, timestamp } = sample.exemplar;
      out += ` # ${formatLabels(labelSet) || "{}"} ${formatNumber(value)}`;
      if (timestamp !== undefined) out += ` ${formatNumber(Number(timestamp.toFixed(3)))}`;
    }
    out += "\n";
  }
  return out;
}

/** Renders every metric of `registry` (default labels applied) in the requested format. */
export async function renderRegistry(registry: AnyRegistry, openMetrics: boolean): Promise<string> {
  const families = (await registry.getMetricsAsJSON()) as Array<
    MetricObjectWithValues<MetricValue<string>>
  >;
  let out = "";
  for (const family of families) out += renderFamily(family, openMetrics);
  return openMetrics ? `${out}# EOF\n` : out;
}
