/**
 * Node `cluster` support: every worker records into its own registry as usual, and the primary
 * serves one exposition that sums them, through prom-client's `AggregatorRegistry` (counters,
 * histogram buckets and gauges are summed; the duration summary is left out, since quantiles of
 * different processes cannot be combined). PM2's cluster mode has no primary we can run code
 * in, so it cannot be aggregated this way: see the README.
 */
import cluster from "node:cluster";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AggregatorRegistry } from "prom-client";
import { sharedSlot } from "../kernel/global-state.js";
import { checkTokenOption, createExposition, serveExposition } from "./handler.js";
import { PACKAGE_NAME } from "../kernel/logger.js";
import { optionsOf } from "../kernel/option-keys.js";
import { invalid } from "../kernel/validate.js";
import { defaultRegistry, registryOption } from "../metrics/registry.js";
import type { AnyRegistry } from "../metrics/registry.js";

/** Options of {@link clusterMetricsHandler}. */
export interface ClusterMetricsHandlerOptions {
  /**
   * When set, scrapes must send `Authorization: Bearer <token>`; others get 401.
   * @default undefined (no guard)
   */
  token?: string;
}

/** Options of {@link enableClusterWorkerMetrics}. */
export interface ClusterWorkerMetricsOptions {
  /**
   * Registries whose metrics this worker reports to the primary.
   * @default [the process-wide default registry]
   */
  registries?: readonly AnyRegistry[];
}

/**
 * One aggregator per process: constructing it is what makes prom-client answer the primary's
 * metric requests in a worker, and collect the answers in the primary.
 */
const aggregator = () => sharedSlot("clusterAggregator", () => new AggregatorRegistry());

/**
 * In the cluster primary: a `(req, res)` handler serving the sum of every worker's metrics as
 * Prometheus text (`text/plain; version=0.0.4`). Mount it on a server the primary runs, e.g.
 * `http.createServer(clusterMetricsHandler()).listen(9464)`. A worker that does not answer
 * within 5 s makes that scrape answer 500. Throws when called in a worker.
 * @example
 * if (cluster.isPrimary) {
 *   for (let i = 0; i < 4; i++) cluster.fork();
 *   http.createServer(clusterMetricsHandler()).listen(9464);
 * } else {
 *   enableClusterWorkerMetrics();
 *   const app = Fastify();
 *   await app.register(metricsPlugin, { metricsPath: false });
 * }
 */
export function clusterMetricsHandler(
  options?: ClusterMetricsHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const given = optionsOf("clusterMetricsHandler", options, ["token"]);
  if (cluster.isWorker) {
    throw new Error(
      `${PACKAGE_NAME}: clusterMetricsHandler() serves the workers' metrics from the cluster primary; ` +
        "this process is a worker (call enableClusterWorkerMetrics() here instead)",
    );
  }
  const token = checkTokenOption(given.token);
  const registry = aggregator();
  return serveExposition(
    createExposition(token === undefined ? {} : { token }, () => registry.clusterMetrics()),
  );
}

/**
 * In a cluster worker: answer the primary's requests for metrics with `registries` (by default
 * the process-wide registry, where the plugin and middleware record unless given another).
 * Idempotent; a later call replaces the registries. Throws when called outside a worker.
 */
export function enableClusterWorkerMetrics(options?: ClusterWorkerMetricsOptions): void {
  const given = optionsOf("enableClusterWorkerMetrics", options, ["registries"]);
  if (!cluster.isWorker) {
    throw new Error(
      `${PACKAGE_NAME}: enableClusterWorkerMetrics() belongs in a cluster worker; ` +
        "in the primary, serve the aggregate with clusterMetricsHandler()",
    );
  }
  const registries = given.registries ?? [defaultRegistry()];
  if (!Array.isArray(registries) || registries.length === 0) {
    throw invalid("registries", "a non-empty array of prom-client registries", registries);
  }
  registries.forEach((registry, index) => registryOption(`registries[${index}]`, registry));
  aggregator();
  AggregatorRegistry.setRegistries([...registries]);
}
