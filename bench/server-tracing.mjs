// Tracing pieces of the benchmark servers: an exporter that counts spans instead of sending them
// (the benchmark measures the SDK and the instrumentation, not a network), and the plain
// OpenTelemetry setup the research measured (HttpInstrumentation + @fastify/otel, SDK defaults).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Counts exported spans by name and keeps the first server span's name, kind and attributes. */
export const discardingExporter = {
  exported: 0,
  byName: {},
  sample: undefined,
  export(spans, done) {
    this.exported += spans.length;
    for (const span of spans) {
      this.byName[span.name] = (this.byName[span.name] ?? 0) + 1;
      // SpanKind.SERVER is 1
      if (this.sample === undefined && span.kind === 1 && span.name !== "GET /metrics") {
        this.sample = {
          name: span.name,
          attributes: span.attributes,
          parentSpanId: span.parentSpanContext?.spanId ?? span.parentSpanId,
          traceId: span.spanContext().traceId,
        };
      }
    }
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
  report() {
    return { spansExported: this.exported, spansByName: this.byName, sampleSpan: this.sample };
  },
};

/** Plain OpenTelemetry on Fastify, as the research configured it. Returns its flush. */
export function plainOpenTelemetry() {
  const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node");
  const { BatchSpanProcessor, AlwaysOnSampler } = require("@opentelemetry/sdk-trace-base");
  const { registerInstrumentations } = require("@opentelemetry/instrumentation");
  const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
  const { FastifyOtelInstrumentation } = require("@fastify/otel");
  const provider = new NodeTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(discardingExporter)],
  });
  provider.register();
  const fastifyOtel = new FastifyOtelInstrumentation({ registerOnInitialization: true });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation(), fastifyOtel] });
  return () => provider.forceFlush();
}
