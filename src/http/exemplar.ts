/**
 * The exemplar of a request: the trace and span ids of its server span, which the tracing setup
 * records in the request's record (../kernel/request-state.ts). The active context cannot be
 * used at response end: a `res.on("close")` callback runs in the context of whoever emitted the
 * event, and @fastify/otel ends and forgets its span before it. Read without importing
 * OpenTelemetry, so the metrics core stays free of it and costs one field read per request when
 * tracing is off.
 */
import type { RequestState } from "../kernel/request-state.js";
import type { ExemplarLabels } from "./request-recorder.js";

const SAMPLED = 0x1;

/** `{ trace_id, span_id }` of the request's sampled server span, or `undefined`. */
export function requestExemplar(state: RequestState): ExemplarLabels | undefined {
  const span = state.serverSpan;
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & SAMPLED) === 0) return undefined;
  return { trace_id: traceId, span_id: spanId };
}
