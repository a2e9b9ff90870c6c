/**
 * The scrape job the Prometheus Operator generates from deploy/'s ServiceMonitor, as a plain
 * static config: same path and `honor_labels`, and the target labels the Operator's relabelling
 * adds to every target of a ServiceMonitor endpoint (namespace, service, pod, container, job = the
 * Service name, endpoint = the port name). Only the interval is the test's own.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { monitoringDir } from "../../deploy/support/paths.js";
import type { ScrapeJob } from "./prometheus.js";

export const serviceMonitorFile = path.join(monitoringDir, "prometheus/servicemonitor.yaml");

interface ServiceMonitorEndpoint {
  port: string;
  path?: string;
  honorLabels?: boolean;
}

export function scrapeJobFromServiceMonitor(target: {
  address: string;
  service: string;
  namespace: string;
  pod: string;
  container: string;
}): ScrapeJob {
  const monitor = parse(readFileSync(serviceMonitorFile, "utf8")) as {
    spec: { endpoints: ServiceMonitorEndpoint[] };
  };
  const [endpoint] = monitor.spec.endpoints;
  if (endpoint === undefined) throw new Error(`${serviceMonitorFile} has no endpoint`);
  return {
    jobName: target.service,
    target: target.address,
    metricsPath: endpoint.path ?? "/metrics",
    honorLabels: endpoint.honorLabels ?? false,
    labels: {
      namespace: target.namespace,
      service: target.service,
      pod: target.pod,
      container: target.container,
      endpoint: endpoint.port,
    },
  };
}
