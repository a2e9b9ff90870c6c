/** Shared test helpers for the tracing tests. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { setLogger } from "../../src/kernel/logger.js";
import { resetLogRateLimit } from "../../src/kernel/logger.js";

export function memoryExporter(): {
  exporter: InMemorySpanExporter;
  processor: SimpleSpanProcessor;
} {
  const exporter = new InMemorySpanExporter();
  return { exporter, processor: new SimpleSpanProcessor(exporter) };
}

/** Captures the package's warnings while `fn` runs. */
export function captureWarnings(): { lines: string[]; restore: () => void } {
  resetLogRateLimit();
  const lines: string[] = [];
  const previous = setLogger({ warn: (m) => lines.push(m), error: (m) => lines.push(m) });
  return { lines, restore: () => void setLogger(previous) };
}

export const baseUrl = (server: Server): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A readable snapshot of finished spans: name, kind, parent name. */
export function tree(spans: ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  return spans.map((s) => {
    const parent = s.parentSpanContext
      ? (byId.get(s.parentSpanContext.spanId)?.name ?? "<remote>")
      : "<root>";
    return `${s.name} [${s.kind}] <- ${parent}`;
  });
}
