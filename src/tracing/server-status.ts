/**
 * Keeps the status of SERVER spans as the HTTP semantic conventions say: a 4xx answer is the
 * client's error, so the server span's status stays UNSET (only 5xx are errors on the server
 * side). @fastify/otel marks any error thrown by a handler as ERROR, including a 404 thrown on
 * purpose; Express leaves 4xx unset. This makes both frameworks agree.
 */
import { SpanKind, SpanStatusCode, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

export class ServerStatusSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (span.kind !== SpanKind.SERVER || span.status.code !== SpanStatusCode.ERROR) return;
    const status =
      span.attributes["http.response.status_code"] ?? span.attributes["http.status_code"];
    if (typeof status === "number" && status >= 400 && status < 500) {
      (span as { status: ReadableSpan["status"] }).status = { code: SpanStatusCode.UNSET };
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
