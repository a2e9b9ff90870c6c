import { parser } from "@prometheus-io/lezer-promql";

/** Metrics the SDK emits (SPEC.md), with the series a histogram and prom-client's defaults add. */
export const SDK_METRICS = new Set([
  "http_requests_total",
  "http_request_duration_seconds_bucket",
  "http_request_duration_seconds_sum",
  "http_request_duration_seconds_count",
  "crisislen_items_processed_total",
  "crisislen_workflows_active",
  "crisislen_risk_score_bucket",
  "crisislen_risk_score_sum",
  "crisislen_risk_score_count",
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
  "process_start_time_seconds",
  "nodejs_heap_size_used_bytes",
  "nodejs_heap_size_total_bytes",
  "nodejs_eventloop_lag_seconds",
  "nodejs_eventloop_lag_p99_seconds",
  "nodejs_eventloop_utilization_ratio",
  "nodejs_heap_size_limit_bytes",
]);

/** What the cluster provides: Prometheus itself, cAdvisor (kubelet) and kube-state-metrics v2. */
export const CLUSTER_METRICS = new Set([
  "up",
  "container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes",
  "kube_pod_container_resource_limits",
  "kube_pod_container_resource_requests",
]);

export interface ParsedQuery {
  /** Parse errors with their offsets; empty when the expression is valid. */
  errors: string[];
  metricNames: string[];
}

/** Parses PromQL with Prometheus' own grammar (lezer-promql) and lists the metric names it reads. */
export function parsePromql(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metricNames = new Set<string>();
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`parse error at ${node.from}: ${expr.slice(node.from, node.from + 20)}`);
      // A vector selector's metric name is the Identifier directly under VectorSelector.
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        metricNames.add(expr.slice(node.from, node.to));
      }
    },
  });
  return { errors, metricNames: [...metricNames] };
}
