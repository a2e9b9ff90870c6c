import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/tracing/config.js";
import { buildResource } from "../../src/tracing/resource.js";
import { buildSampler } from "../../src/tracing/sampler.js";
import { createExporter } from "../../src/tracing/exporter.js";
import { redactUrl, sensitiveParamMatcher } from "../../src/tracing/redact.js";
import { ConsoleTraceExporter } from "../../src/tracing/console-exporter.js";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { captureWarnings } from "./helpers.js";

describe("tracing configuration (option > OTEL_* variable > default)", () => {
  it("uses the documented defaults", () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      disabled: false,
      exporter: "otlp",
      endpoint: "http://localhost:4318/v1/traces",
      sampler: "parentbased_always_on",
      samplerArg: 1,
      batch: {
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 5000,
        exportTimeoutMillis: 30000,
      },
      ignorePaths: ["/metrics", "/health/live", "/health/ready"],
      frameworkSpans: false,
      shutdownTimeoutMs: 5000,
    });
  });

  it("reads OTEL_* variables, the signal-specific endpoint verbatim and the generic one + /v1/traces", () => {
    const env = {
      OTEL_SERVICE_NAME: "env-svc",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_SCHEDULE_DELAY: "250",
      OTEL_SDK_DISABLED: "TRUE",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc",
    };
    expect(resolveConfig({}, env)).toMatchObject({
      serviceName: "env-svc",
      endpoint: "http://jaeger:4318/v1/traces",
      sampler: "parentbased_traceidratio",
      samplerArg: 0.25,
      batch: { maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMillis: 250 },
      disabled: true,
      headers: { authorization: "Bearer abc" },
    });
    expect(
      resolveConfig({}, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom" })
        .endpoint,
    ).toBe("http://c:4318/custom");
    expect(
      resolveConfig(
        { serviceName: "opt", endpoint: "http://o/v1/traces", samplerArg: 0.5, disabled: false },
        env,
      ),
    ).toMatchObject({
      serviceName: "opt",
      endpoint: "http://o/v1/traces",
      samplerArg: 0.5,
      disabled: false,
    });
  });

  it("logs an invalid variable once and uses the default", () => {
    const warnings = captureWarnings();
    try {
      const c = resolveConfig(
        {},
        {
          OTEL_TRACES_SAMPLER: "sometimes",
          OTEL_BSP_EXPORT_TIMEOUT: "-5",
          OTEL_TRACES_EXPORTER: "zipkin",
        },
      );
      expect(c).toMatchObject({
        sampler: "parentbased_always_on",
        exporter: "otlp",
        batch: { exportTimeoutMillis: 30000 },
      });
      expect(warnings.lines).toEqual([
        '@crisislen/observability: ignoring OTEL_TRACES_EXPORTER="zipkin": expected one of otlp, console, none, jaeger; using "otlp"',
        '@crisislen/observability: ignoring OTEL_BSP_EXPORT_TIMEOUT="-5": expected a whole number from 1 to 2147483647; using 30000',
        '@crisislen/observability: ignoring OTEL_TRACES_SAMPLER="sometimes": expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using "parentbased_always_on"',
      ]);
    } finally {
      warnings.restore();
    }
  });

  it("throws on invalid options, naming the option and the value", () => {
    expect(() => resolveConfig({ batch: { maxQueueSize: 0 } }, {})).toThrow(
      "batch.maxQueueSize must be a whole number from 1 to 1000000, got 0",
    );
    expect(() => resolveConfig({ endpoint: "jaeger:4318" }, {})).toThrow(
      'endpoint must be an absolute http(s) URL, got "jaeger:4318"',
    );
    expect(() => resolveConfig({ sampler: "maybe" as never }, {})).toThrow(
      "sampler must be one of",
    );
  });

  it("builds the resource: options over OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES, plus the Kubernetes variables", () => {
    const env = {
      OTEL_SERVICE_NAME: "env-svc",
      OTEL_RESOURCE_ATTRIBUTES:
        "service.name=attr-svc,deployment.environment.name=prod,team=claims",
      K8S_POD_NAME: "api-5c9d-x2",
      K8S_NAMESPACE_NAME: "crisislen",
      K8S_NODE_NAME: "node-1",
    };
    const fromEnv = buildResource(resolveConfig({}, env), env).attributes;
    expect(fromEnv).toMatchObject({
      "service.name": "env-svc",
      "deployment.environment.name": "prod",
      team: "claims",
      "k8s.pod.name": "api-5c9d-x2",
      "k8s.namespace.name": "crisislen",
      "k8s.node.name": "node-1",
      "telemetry.sdk.language": "nodejs",
    });
    const fromOptions = buildResource(
      resolveConfig(
        { serviceName: "opt-svc", serviceVersion: "2.0.0", resourceAttributes: { team: "risk" } },
        env,
      ),
      env,
    ).attributes;
    expect(fromOptions).toMatchObject({
      "service.name": "opt-svc",
      "service.version": "2.0.0",
      team: "risk",
    });
  });

  it("builds each named sampler", () => {
    const describe = (sampler: string, samplerArg = 1) =>
      buildSampler(resolveConfig({ sampler: sampler as never, samplerArg }, {})).toString();
    expect(describe("always_on")).toBe("AlwaysOnSampler");
    expect(describe("always_off")).toBe("AlwaysOffSampler");
    expect(describe("traceidratio", 0.1)).toBe("TraceIdRatioBased{0.1}");
    expect(describe("parentbased_traceidratio", 0.1)).toContain("root=TraceIdRatioBased{0.1}");
  });

  it("names the missing optional peer when the jaeger exporter is asked for", () => {
    expect(() => createExporter(resolveConfig({ exporter: "jaeger" }, {}))).toThrow(
      /exporter "jaeger" needs the optional peer dependency @opentelemetry\/exporter-jaeger, which is not installed/,
    );
    const warnings = captureWarnings();
    try {
      expect(
        createExporter(resolveConfig({}, { OTEL_TRACES_EXPORTER: "jaeger" })).exporter,
      ).toBeUndefined();
      expect(warnings.lines[0]).toContain("@opentelemetry/exporter-jaeger");
    } finally {
      warnings.restore();
    }
  });
});

describe("URL redaction", () => {
  const sensitive = sensitiveParamMatcher(["token", "password", "key", "signature", "secret"]);
  it("redacts userinfo and sensitive parameters, keeps the rest", () => {
    expect(
      redactUrl(
        "https://bob:pw@api.example.com/a?access_token=t&X-Amz-Signature=s&api-key=k&page=2#frag",
        sensitive,
      ),
    ).toBe(
      "https://REDACTED:REDACTED@api.example.com/a?access_token=REDACTED&X-Amz-Signature=REDACTED&api-key=REDACTED&page=2#frag",
    );
    expect(redactUrl("/login?password=x&user=bob", sensitive)).toBe(
      "/login?password=REDACTED&user=bob",
    );
  });
});

describe("console exporter", () => {
  it("prints one summary per finished trace with an indented tree", async () => {
    const lines: string[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new ConsoleTraceExporter({ write: (l) => lines.push(l), color: false }),
        ),
      ],
    });
    const tracer = provider.getTracer("t");
    const { context, trace } = await import("@opentelemetry/api");
    const root = tracer.startSpan("GET /claims/:id", {
      kind: 1,
      attributes: { "http.response.status_code": 200 },
    });
    const ctx = trace.setSpan(context.active(), root);
    const child = tracer.startSpan("process_claim", {}, ctx);
    const grandchild = tracer.startSpan("GET", { kind: 2 }, trace.setSpan(ctx, child));
    grandchild.setStatus({ code: 2 });
    grandchild.end();
    child.end();
    root.end();
    await provider.forceFlush();
    expect(lines).toHaveLength(1);
    const text = lines[0]!.replace(/\d+\.\d ms/g, "N ms").replace(/trace [0-9a-f]{8}/, "trace ID");
    expect(text).toBe(
      [
        "✗ GET /claims/:id (server) 200  N ms  3 spans  trace ID",
        "  └─ process_claim  N ms",
        "     └─ GET (client)  N ms ✗",
      ].join("\n"),
    );
  });
});
