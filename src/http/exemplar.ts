/**
 * The exemplar of a request: the trace and span ids of its server span, which the tracing
 * setup records for the raw request (../kernel/server-spans.ts) (see ../tracing/active-span.ts
 * for why the active context cannot be used at response end). Read without importing OpenTelemetry, so the metrics core
 * stays free of it and costs one property read per request when tracing is off.
 */
import type { IncomingMessage } from "node:http";
import { serverSpanOf } from "../kernel/server-spans.js";
import type { ExemplarLabels } from "./request-recorder.js";

const SAMPLED = 0x1;

/** `{ trace_id, span_id }` of `req`'s sampled server span, or `undefined`. */
export function requestExemplar(req: IncomingMessage): ExemplarLabels | undefined {
  const span = serverSpanOf(req);
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & SAMPLED) === 0) return undefined;
  return { trace_id: traceId, span_id: spanId };
}
