/**
 * Trace ids for exemplars. Depends on `@opentelemetry/api` only.
 *
 * Where the request's server span is, by framework:
 * - Express / node:http: the http instrumentation's SERVER span is active in the request's
 *   handlers and middleware, but NOT reliably in a `res.on("close")`/`"finish"` callback (those
 *   run in the context of whoever emits the event). Its `requestHook` records the span for the
 *   raw request in ../kernel/server-spans.ts.
 * - Fastify with @fastify/otel: the `request` span (our server span) is active from `onRequest`
 *   through the handler; @fastify/otel ends it in `onSend` and forgets it, and in `onResponse`
 *   and in `res.on("close")` it is not the active context. Our `requestHook` records it for
 *   `request.raw` the same way, so pass `request.raw`.
 * So pass the raw `IncomingMessage` whenever you have it; the active context is the fallback.
 */
import type { IncomingMessage } from "node:http";
import { context, trace, TraceFlags, type Span } from "@opentelemetry/api";
import { serverSpanOf } from "../kernel/server-spans.js";

/** The ids of `req`'s server span (or of the active span) when it is sampled; otherwise `undefined`. */
export function activeTraceIds(
  req?: IncomingMessage,
): { trace_id: string; span_id: string } | undefined {
  const stored = req === undefined ? undefined : (serverSpanOf(req) as Span | undefined);
  const span = stored ?? trace.getSpan(context.active());
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: traceId, span_id: spanId };
}
