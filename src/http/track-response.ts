/**
 * Measures one response from the moment tracking starts until the socket-level response
 * closes: a finished response records its status and its whole duration (streamed bodies
 * included); a response that closed before finishing means the client went away, and records
 * 499 with the time until the abort. Exactly one record per request, whatever happens.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { UNMATCHED_ENDPOINT } from "../metrics/catalogue.js";
import { CLIENT_CLOSED_STATUS } from "./labels.js";
import type { HttpRecorder } from "./request-recorder.js";
import { requestExemplar } from "./exemplar.js";
import { isUntracked } from "./untracked.js";
import { warnOnce } from "../logger.js";

/** Gives the endpoint label once the response is done (Express knows its route only then). */
export type EndpointResolver = (req: IncomingMessage, res: ServerResponse) => string | undefined;

interface Tracking {
  readonly req: IncomingMessage;
  readonly recorder: HttpRecorder;
  readonly endpoint: string | EndpointResolver;
  readonly start: number;
}

const TRACKING = Symbol("crisislen.tracking");
const CLIENT_CLOSED = Number(CLIENT_CLOSED_STATUS);

type TrackedResponse = ServerResponse & { [TRACKING]?: Tracking | undefined };

/**
 * Starts measuring `res`; the result is recorded by `recorder` when `res` closes. Returns
 * `false` when `res` is already tracked (a second middleware), so the caller adds nothing.
 */
export function trackResponse(
  req: IncomingMessage,
  res: ServerResponse,
  recorder: HttpRecorder,
  endpoint: string | EndpointResolver,
): boolean {
  const tracked = res as TrackedResponse;
  if (tracked[TRACKING] !== undefined) return false;
  tracked[TRACKING] = { req, recorder, endpoint, start: performance.now() };
  res.on("close", recordOnClose);
  return true;
}

function recordOnClose(this: TrackedResponse): void {
  const tracking = this[TRACKING];
  if (tracking === undefined) return;
  this[TRACKING] = undefined;
  try {
    const { req, recorder } = tracking;
    if (isUntracked(req)) return;
    const endpoint =
      typeof tracking.endpoint === "string" ? tracking.endpoint : tracking.endpoint(req, this);
    if (endpoint === undefined) return;
    // `writableEnded`: the server completed the response (end() ran); a close before that means
    // the client went away. (`writableFinished` also waits for the flush, which injected
    // test requests never report.)
    const status = this.writableEnded ? this.statusCode : CLIENT_CLOSED;
    recorder.record(
      req.method,
      endpoint,
      status,
      (performance.now() - tracking.start) / 1000,
      requestExemplar(req),
      req,
      this,
    );
  } catch (error) {
    // A broken response object or router must never surface as an uncaught error.
    warnOnce("record-response", "recording a request failed; it is not counted", error);
  }
}

export { UNMATCHED_ENDPOINT };
