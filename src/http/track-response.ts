/**
 * Measures one response from the moment tracking starts until the socket-level response
 * closes: a finished response records its status and its whole duration (streamed bodies
 * included); a response that closed before finishing means the client went away, and records
 * 499 with the time until the abort. Exactly one record per request, whatever happens — also
 * when two copies of the package (the ESM and the CJS build) each add their middleware.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { warnOnce } from "../kernel/logger.js";
import { requestState, type RequestState } from "../kernel/request-state.js";
import { requestExemplar } from "./exemplar.js";
import { leaveInFlight } from "./in-flight-gauge.js";
import { CLIENT_CLOSED_STATUS } from "./labels.js";
import type { HttpRecorder } from "./request-recorder.js";

/** Gives the endpoint label once the response is done (Express knows its route only then). */
export type EndpointResolver = (req: IncomingMessage, res: ServerResponse) => string | undefined;

const CLIENT_CLOSED = Number(CLIENT_CLOSED_STATUS);

/**
 * `res.on`, read once: on Express's responses (re-parented onto Express's prototypes on every
 * request) each property read misses V8's caches and walks the prototype chain, so the hot path
 * reads as few properties of `req` and `res` as it can (see ../kernel/request-state.ts).
 */
const addListener = EventEmitter.prototype.on;

/** Whether `res.end()` ran: `finished`, one own field, else the `writableEnded` getter over it. */
function ended(res: ServerResponse): boolean {
  const finished = (res as { finished?: unknown }).finished;
  return typeof finished === "boolean" ? finished : res.writableEnded;
}

/**
 * Starts measuring `res`; the result is recorded by `recorder` when `res` closes. Returns the
 * request's record, or `undefined` when the request is already tracked (a second middleware or
 * plugin, from this copy of the package or another), so the caller adds nothing.
 */
export function trackResponse(
  req: IncomingMessage,
  res: ServerResponse,
  recorder: HttpRecorder,
  endpoint: string | EndpointResolver,
): RequestState | undefined {
  const state = requestState(req);
  if (state.tracked) return undefined;
  state.tracked = true;
  const start = performance.now();
  // Read now, while the framework's own reads of it have V8's caches warm.
  const method = req.method;
  addListener.call(res, "close", function recordOnClose(this: ServerResponse) {
    leaveInFlight(state);
    record(req, this, method, recorder, endpoint, start, state);
  });
  return state;
}

function record(
  req: IncomingMessage,
  res: ServerResponse,
  method: string | undefined,
  recorder: HttpRecorder,
  endpointOrResolver: string | EndpointResolver,
  start: number,
  state: RequestState,
): void {
  try {
    if (state.untracked) return;
    const endpoint =
      typeof endpointOrResolver === "string" ? endpointOrResolver : endpointOrResolver(req, res);
    if (endpoint === undefined) return;
    // Ended: the server completed the response (end() ran); a close before that means the
    // client went away. (`writableFinished` also waits for the flush, which injected test
    // requests never report.)
    const status = ended(res) ? res.statusCode : CLIENT_CLOSED;
    recorder.record(
      method,
      endpoint,
      status,
      (performance.now() - start) / 1000,
      requestExemplar(state),
      req,
      res,
    );
  } catch (error) {
    // A broken response object or router must never surface as an uncaught error.
    warnOnce("record-response", "recording a request failed; it is not counted", error);
  } finally {
    // The record is a WeakMap value keyed by the request: a value that reaches its key again
    // (the Fastify reply holds the request) makes the collector work harder to free it.
    state.fastifyReply = undefined;
  }
}
