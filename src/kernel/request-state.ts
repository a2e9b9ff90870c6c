/**
 * The one per-request record: what the package knows about a request while it runs — whether
 * it is counted, what was raised for it, its server span. It lives in a WeakMap keyed by the
 * request (gone with it) in the process-wide slot, so every loaded copy of the package (the ESM
 * and CJS builds, two installed versions) reads and writes the same record: two copies of the
 * middleware on one app count a request once.
 *
 * A WeakMap rather than properties on the request: Express re-parents `req` and `res` onto its
 * own prototypes, after which adding a property costs ~1.7 µs per request (measured), more than
 * the whole recording; a lookup costs a few nanoseconds.
 */
import type { IncomingMessage } from "node:http";
import { sharedSlot } from "./global-state.js";

/** The part of an OpenTelemetry span the metrics read (for exemplars). */
export interface ServerSpanLike {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
}

/** Body bytes counted as they cross the wire (for the opt-in size histograms). */
export interface ByteCount {
  bytes: number;
  /** > 0 while `end()` runs: writes it makes itself are already counted. */
  ending: number;
}

/** What the package keeps about one request. */
export class RequestState {
  /** Left out of the metrics and of server spans (health and exposition routes mark it). */
  untracked = false;
  /** A metrics integration measures the response; a second one (another copy) adds nothing. */
  tracked = false;
  /** The `http_requests_in_flight` series raised for the request, until it is lowered. */
  inFlight: { dec(): void } | undefined = undefined;
  /** Request body bytes, counted when the request has no `Content-Length`. */
  requestBytes: ByteCount | undefined = undefined;
  /** Response body bytes written. */
  responseBytes: ByteCount | undefined = undefined;
  /** Fastify's `reply`, for extra label functions that take `(request, reply)`. */
  fastifyReply: unknown = undefined;
  /** The request's server span, recorded by the tracing setup. */
  serverSpan: ServerSpanLike | undefined = undefined;
}

let states: WeakMap<IncomingMessage, RequestState> | undefined;

function store(): WeakMap<IncomingMessage, RequestState> {
  states ??= sharedSlot("requestState/v1", () => new WeakMap<IncomingMessage, RequestState>());
  return states;
}

/** The record of `req`, created on first use. */
export function requestState(req: IncomingMessage): RequestState {
  const map = store();
  let state = map.get(req);
  if (state === undefined) {
    state = new RequestState();
    map.set(req, state);
  }
  return state;
}

/** The record of `req` if anything was recorded for it, without creating one. */
export function peekRequestState(req: IncomingMessage): RequestState | undefined {
  return store().get(req);
}

/** Marks `req` so neither the metrics nor the tracing setup count it. */
export function markUntracked(req: IncomingMessage): void {
  requestState(req).untracked = true;
}

/** Whether `req` was marked with {@link markUntracked}. */
export function isUntracked(req: IncomingMessage): boolean {
  return peekRequestState(req)?.untracked === true;
}

/** Remembers `span` as the server span of `req` (written by tracing, read by the metrics). */
export function setServerSpan(req: IncomingMessage, span: ServerSpanLike): void {
  requestState(req).serverSpan = span;
}
