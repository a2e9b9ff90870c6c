/** Creates the span exporter named by the configuration. */
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { PACKAGE_NAME, errorOnce } from "../kernel/logger.js";
import type { ResolvedConfig } from "./config.js";
import { ConsoleTraceExporter } from "./console-exporter.js";
import { packageRequire } from "./load.js";
import type * as NodeHttp from "node:http";
import type * as OtlpProto from "@opentelemetry/exporter-trace-otlp-proto";

const JAEGER_PACKAGE = "@opentelemetry/exporter-jaeger";

/**
 * An agent whose sockets do not keep the process alive: an export stuck on a collector that
 * never answers must not delay the process exit once `shutdown()` gave up on it.
 */
function unrefAgentFactory(protocol: string) {
  const mod = packageRequire()(
    protocol === "https:" ? "node:https" : "node:http",
  ) as typeof NodeHttp;
  const agent = new mod.Agent({ keepAlive: true });
  const create = agent.createConnection.bind(agent) as typeof agent.createConnection;
  agent.createConnection = ((options, callback) => {
    const socket = create(options, callback);
    (socket as { unref?: () => void } | undefined)?.unref?.();
    return socket;
  }) as typeof agent.createConnection;
  return agent;
}

/** Returns the exporter, or `undefined` for `"none"`. Throws only when the option asked for a missing package. */
export function createExporter(config: ResolvedConfig): SpanExporter | undefined {
  const { exporter } = config;
  if (typeof exporter !== "string") return exporter;
  switch (exporter) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleTraceExporter();
    case "jaeger":
      return createJaegerExporter(config);
    case "otlp": {
      const { OTLPTraceExporter } = packageRequire()(
        "@opentelemetry/exporter-trace-otlp-proto",
      ) as typeof OtlpProto;
      return new OTLPTraceExporter({
        url: config.endpoint,
        ...(config.headers ? { headers: config.headers } : {}),
        httpAgentOptions: unrefAgentFactory,
      });
    }
  }
}

function createJaegerExporter(config: ResolvedConfig): SpanExporter | undefined {
  let mod: { JaegerExporter: new (options?: object) => SpanExporter };
  try {
    // Resolved from the application first: the optional peer is installed next to the app.
    mod = packageRequire()(JAEGER_PACKAGE) as typeof mod;
  } catch (error) {
    const message =
      `exporter "jaeger" needs the optional peer dependency ${JAEGER_PACKAGE}, which is not installed ` +
      `(npm install ${JAEGER_PACKAGE}@2.11.0). Prefer the default "otlp" exporter: Jaeger ≥1.35 and v2 accept OTLP on port 4318.`;
    if (config.exporterFromOption) throw new Error(`${PACKAGE_NAME}: ${message}`, { cause: error });
    errorOnce("jaeger-missing", `${message} Traces are not exported.`);
    return undefined;
  }
  return new mod.JaegerExporter();
}
