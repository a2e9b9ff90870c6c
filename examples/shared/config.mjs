/**
 * Settings both examples read from the environment, and the banner they print once listening.
 * Only example plumbing: the package itself reads METRICS_PORT, METRICS_HOST,
 * SHUTDOWN_DRAIN_DELAY_MS, SHUTDOWN_TIMEOUT_MS and the OTEL_* variables on its own.
 */

/** A whole number from the environment variable `name`, or `fallback` when unset. */
export function envInteger(name, fallback) {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new RangeError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/**
 * Whether the app port serves GET /metrics too (METRICS_ON_APP_PORT, default true). A local run
 * keeps it there for `curl`; the deploy kit's ConfigMap sets it to false, so in the cluster the
 * exposition is only on the private metrics port (METRICS_PORT) and the public Ingress cannot
 * reach it whatever its rules say.
 */
export function metricsOnAppPort() {
  const raw = process.env.METRICS_ON_APP_PORT?.trim();
  if (raw === undefined || raw === "") return true;
  if (raw === "true" || raw === "false") return raw === "true";
  throw new RangeError(`METRICS_ON_APP_PORT must be "true" or "false", got "${raw}"`);
}

/** Where the traces go, in the order the OpenTelemetry variables decide it. */
function traceDestination() {
  const env = process.env;
  if (env.OTEL_SDK_DISABLED === "true") return "off (OTEL_SDK_DISABLED=true)";
  if (env.OTEL_TRACES_EXPORTER) return `${env.OTEL_TRACES_EXPORTER} (OTEL_TRACES_EXPORTER)`;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) return `OTLP to ${endpoint} (Jaeger: http://localhost:16686)`;
  return "a summary per trace on this console (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 sends them to Jaeger)";
}

/**
 * Options for `instrumentApp`. The exporter is left to the environment when it names one
 * (`OTEL_TRACES_EXPORTER`) or a collector (`OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. Jaeger on 4318);
 * otherwise traces are printed on the console, so the example needs no server to show them.
 */
export function tracingOptions() {
  const env = process.env;
  const options = {
    serviceName: env.OTEL_SERVICE_NAME ?? "crisislen-api",
    // The defaults, plus the policy-service stub that shares this process (see policy-service-stub.mjs).
    ignorePaths: ["/metrics", "/health/live", "/health/ready", "/policy-service/*"],
  };
  const exporterChosen =
    env.OTEL_TRACES_EXPORTER ||
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!exporterChosen) options.exporter = "console";
  return options;
}

/** The lines a newcomer needs: where the API, the metrics, the health routes and the traces are. */
export function printBanner({ framework, url, metricsUrl, onAppPort, shutdown }) {
  const lines = [
    `CrisisLens claims API (${framework}) listening on ${url}`,
    `  routes:  POST ${url}/claims · GET /claims/:id · POST /claims/:id/process · GET /claims/:id/report[?fail=1]`,
    onAppPort
      ? `  metrics: ${url}/metrics (app port) · ${metricsUrl} (metrics port)`
      : `  metrics: ${metricsUrl} (metrics port) · not on the app port (METRICS_ON_APP_PORT=false)`,
    `  health:  ${url}/health/live · ${url}/health/ready`,
    `  traces:  ${traceDestination()}`,
    `  stop:    Ctrl-C or SIGTERM (graceful: ${shutdown.drainDelayMs} ms drain, ${shutdown.timeoutMs} ms bound)`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** `http://host:port` of a listening `node:http` server. */
export function urlOf(server) {
  const { address, port } = server.address();
  return `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
}
