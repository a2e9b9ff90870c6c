/**
 * The `console` exporter: one readable summary per finished trace, for demos and local runs.
 *
 *   ✓ GET /claims/:id 200  12.4 ms  3 spans  trace 4bf92f35
 *     └─ process_claim  10.1 ms
 *        └─ GET (client) 200  2.3 ms
 *
 * Spans arrive in the order they end, children before their root, possibly across batches; they
 * wait in a bounded buffer until the trace's local root arrives.
 */
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

type ExportResult = { code: 0 | 1; error?: Error };

const MAX_PENDING_TRACES = 1000;
const MAX_TREE_LINES = 15;
const PENDING_TTL_MS = 30_000;
const KIND = ["", " (server)", " (client)", " (producer)", " (consumer)"];

export interface ConsoleTraceExporterOptions {
  /** Where lines go. @default process.stdout */
  write?: (line: string) => void;
  /** ANSI colours. @default whether stdout is a TTY */
  color?: boolean;
}

const ms = (span: ReadableSpan): number => span.duration[0] * 1e3 + span.duration[1] / 1e6;
const formatMs = (value: number): string =>
  (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + " ms";

export class ConsoleTraceExporter implements SpanExporter {
  private readonly pending = new Map<string, { spans: ReadableSpan[]; since: number }>();
  private readonly write: (line: string) => void;
  private readonly color: boolean;

  constructor(options: ConsoleTraceExporterOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(line + "\n"));
    this.color = options.color ?? process.stdout.isTTY === true;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const now = Date.now();
    for (const span of spans) {
      const traceId = span.spanContext().traceId;
      let entry = this.pending.get(traceId);
      if (entry === undefined) {
        if (this.pending.size >= MAX_PENDING_TRACES)
          this.pending.delete(this.pending.keys().next().value as string);
        entry = { spans: [], since: now };
        this.pending.set(traceId, entry);
      }
      entry.spans.push(span);
      if (span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true) {
        this.pending.delete(traceId);
        this.print(span, entry.spans);
      }
    }
    for (const [traceId, entry] of this.pending) {
      if (now - entry.since > PENDING_TTL_MS) this.pending.delete(traceId);
    }
    done({ code: 0 });
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private label(span: ReadableSpan): string {
    const status = span.attributes["http.response.status_code"];
    return `${span.name}${KIND[span.kind] ?? ""}${status === undefined ? "" : ` ${String(status)}`}`;
  }

  private print(root: ReadableSpan, spans: ReadableSpan[]): void {
    const failed = spans.some((s) => s.status.code === 2);
    const mark = failed ? this.paint("31", "✗") : this.paint("32", "✓");
    const traceId = root.spanContext().traceId.slice(0, 8);
    const count = `${spans.length} span${spans.length === 1 ? "" : "s"}`;
    const lines = [
      `${mark} ${this.paint("1", this.label(root))}  ${formatMs(ms(root))}  ${count}  ${this.paint("2", `trace ${traceId}`)}`,
    ];
    const children = new Map<string, ReadableSpan[]>();
    for (const span of spans) {
      const parent = span.parentSpanContext?.spanId;
      if (span === root || parent === undefined) continue;
      const list = children.get(parent) ?? [];
      list.push(span);
      children.set(parent, list);
    }
    const walk = (spanId: string, indent: string): void => {
      const list = (children.get(spanId) ?? []).sort(
        (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
      );
      list.forEach((child, i) => {
        const last = i === list.length - 1;
        if (lines.length <= MAX_TREE_LINES) {
          const err = child.status.code === 2 ? this.paint("31", " ✗") : "";
          lines.push(
            `${indent}${last ? "└─" : "├─"} ${this.label(child)}  ${formatMs(ms(child))}${err}`,
          );
        }
        walk(child.spanContext().spanId, indent + (last ? "   " : "│  "));
      });
    };
    walk(root.spanContext().spanId, "  ");
    const hidden = spans.length - lines.length;
    if (hidden > 0) lines.push(`  … ${hidden} more`);
    this.write(lines.join("\n"));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.pending.clear();
    return Promise.resolve();
  }
}
