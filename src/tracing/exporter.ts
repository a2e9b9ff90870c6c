/** Creates the span exporter named by the configuration. */
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { PACKAGE_NAME, errorOnce } from "../kernel/logger.js";
import type { ResolvedConfig } from "./config.js";
import { ConsoleTraceExporter } from "./console-exporter.js";
import { packageRequire } from "./load.js";
import { CollectorStatus } from "./collector-status.js";
import type * as NodeHttp from "node:http";
import type * as OtlpProto from "@opentelemetry/exporter-trace-otlp-proto";

const JAEGER_PACKAGE = "@opentelemetry/exporter-jaeger";

/**
 * An agent whose sockets do not keep the process alive — an export stuck on a collector that
 * never answers must not delay the process exit once `shutdown()` gave up on it — and report
 * every connection and connection error to `status`.
 */
function observingAgentFactory(status: CollectorStatus) {
  return (protocol: string) => {
    const mod = packageRequire()(
      protocol === "https:" ? "node:https" : "node:http",
    ) as typeof NodeHttp;
    const agent = new mod.Agent({ keepAlive: true });
    const create = agent.createConnection.bind(agent) as typeof agent.createConnection;
    agent.createConnection = ((options, callback) => {
      const socket = create(options, callback);
      (socket as { unref?: () => void } | undefined)?.unref?.();
      socket?.once("connect", () => status.connected());
      socket?.on("error", (error) => status.connectionFailed(error));
      return socket;
    }) as typeof agent.createConnection;
    return agent;
  };
}

/** Passes spans on to `exporter`, reporting each failed export (after its retries) to `status`. */
function observed(exporter: SpanExporter, status: CollectorStatus): SpanExporter {
  return {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0.
        if (result.code !== 0) status.exportFailed(result.error ?? new Error("export failed"));
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The exporter to use, and the status of where it sends spans. */
export interface CreatedExporter {
  /** `undefined` for `"none"` (or a missing optional Jaeger package, logged). */
  exporter: SpanExporter | undefined;
  status: CollectorStatus;
}

/** Creates the exporter. Throws only when the option asked for a missing package. */
export function createExporter(config: ResolvedConfig): CreatedExporter {
  const { exporter } = config;
  if (typeof exporter !== "string") {
    const status = new CollectorStatus(`the ${exporter.constructor.name} exporter`);
    return { exporter: observed(exporter, status), status };
  }
  switch (exporter) {
    case "none":
      return { exporter: undefined, status: new CollectorStatus("nowhere (exporter none)") };
    case "console": {
      const status = new CollectorStatus("the console");
      return { exporter: observed(new ConsoleTraceExporter(), status), status };
    }
    case "jaeger": {
      const status = new CollectorStatus("the Jaeger agent");
      const jaeger = createJaegerExporter(config);
      return { exporter: jaeger && observed(jaeger, status), status };
    }
    case "otlp": {
      const { OTLPTraceExporter } = packageRequire()(
        "@opentelemetry/exporter-trace-otlp-proto",
      ) as typeof OtlpProto;
      const status = new CollectorStatus(config.endpoint);
      const otlp = new OTLPTraceExporter({
        url: config.endpoint,
        ...(config.headers ? { headers: config.headers } : {}),
        httpAgentOptions: observingAgentFactory(status),
      });
      return { exporter: observed(otlp, status), status };
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
