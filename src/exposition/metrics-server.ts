/**
 * A separate `node:http` listener serving only the exposition, so `/metrics` need not be
 * reachable through the public Ingress. It listens on 127.0.0.1 unless told otherwise: in a pod,
 * set `METRICS_HOST=0.0.0.0` and let a NetworkPolicy admit only the monitoring namespace.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import { HANDLER_OPTION_KEYS, metricsHandler, type MetricsHandlerOptions } from "./handler.js";
import { markUntracked } from "../kernel/request-state.js";
import { optionsOf } from "../kernel/option-keys.js";
import { integerOption, pathOption, stringOption } from "../kernel/validate.js";
import { envInteger, envString } from "../kernel/env.js";
import type { AnyRegistry } from "../metrics/registry.js";

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /**
   * TCP port to listen on; `0` picks a free one (read it from `server.address()`).
   * Env `METRICS_PORT`.
   * @default 9464
   */
  port?: number;
  /**
   * Interface to listen on. The default keeps the metrics private to the pod's loopback; use
   * `"0.0.0.0"` (or `"::"`) for Prometheus to scrape the pod IP. Env `METRICS_HOST`.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Path of the exposition; other paths answer 404.
   * @default "/metrics"
   */
  path?: string;
  /**
   * Registry to expose.
   * @default the process-wide default registry (the one `metricsPlugin` and `metricsMiddleware` record into)
   */
  registry?: AnyRegistry;
  /**
   * When set, scrapes must send `Authorization: Bearer <token>`; others get 401.
   * @default undefined (no guard)
   */
  token?: string;
  /**
   * Longest a scrape waits for the registry's collectors before answering 503.
   * @default 5000
   */
  collectTimeoutMs?: number;
}

const DEFAULT_PORT = 9464;
const DEFAULT_HOST = "127.0.0.1";

/**
 * Starts the metrics listener and resolves once it listens; rejects when it cannot (port in use).
 * Close it with `server.close()`.
 *
 * @example
 * const metricsServer = await startMetricsServer(); // METRICS_PORT / 9464 on 127.0.0.1
 */
export function startMetricsServer(options?: MetricsServerOptions): Promise<Server> {
  const given = optionsOf("startMetricsServer", options, [
    "port",
    "host",
    "path",
    ...HANDLER_OPTION_KEYS,
  ]) as MetricsServerOptions;
  const port =
    given.port === undefined
      ? envInteger("METRICS_PORT", DEFAULT_PORT, 0, 65_535)
      : integerOption("port", given.port, 0, 65_535);
  const host =
    given.host === undefined
      ? envString("METRICS_HOST", DEFAULT_HOST)
      : (stringOption("host", given.host) as string);
  const path = given.path === undefined ? "/metrics" : pathOption("path", given.path);
  const handlerOptions: MetricsHandlerOptions = {};
  if (given.registry !== undefined) handlerOptions.registry = given.registry;
  if (given.token !== undefined) handlerOptions.token = given.token;
  if (given.collectTimeoutMs !== undefined)
    handlerOptions.collectTimeoutMs = given.collectTimeoutMs;
  const serveMetrics = metricsHandler(handlerOptions);

  const server = createServer(function metricsListener(req, res) {
    markUntracked(req);
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    if ((query === -1 ? url : url.slice(0, query)) === path) return serveMetrics(req, res);
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("Not Found\n");
  });

  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.close();
      reject(error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server);
    });
  });
}
