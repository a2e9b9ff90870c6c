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
import { isUntracked } from "../kernel/untracked.js";
import { warnOnce } from "../kernel/logger.js";

/** Gives the endpoint label once the response is done (Express knows its route only then). */
export type EndpointResolver = (req: IncomingMessage, res: ServerResponse) => string | undefined;

const CLIENT_CLOSED = Number(CLIENT_CLOSED_STATUS);

/**
 * Responses already tracked, so a second middleware or plugin instance adds nothing. A WeakSet
 * rather than a property on `res`: Express re-parents `res` onto its own prototype, after which
 * adding any property to it costs ~1.7 µs (measured), more than all the rest of the recording.
 */
const tracked = new WeakSet<ServerResponse>();

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
  if (tracked.has(res)) return false;
  tracked.add(res);
  const start = performance.now();
  res.on("close", function recordOnClose(this: ServerResponse) {
    record(req, this, recorder, endpoint, start);
  });
  return true;
}

function record(
  req: IncomingMessage,
  res: ServerResponse,
  recorder: HttpRecorder,
  endpointOrResolver: string | EndpointResolver,
  start: number,
): void {
  try {
    if (isUntracked(req)) return;
    const endpoint =
      typeof endpointOrResolver === "string" ? endpointOrResolver : endpointOrResolver(req, res);
    if (endpoint === undefined) return;
    // `writableEnded`: the server completed the response (end() ran); a close before that means
    // the client went away. (`writableFinished` also waits for the flush, which injected
    // test requests never report.)
    const status = res.writableEnded ? res.statusCode : CLIENT_CLOSED;
    recorder.record(
      req.method,
      endpoint,
      status,
      (performance.now() - start) / 1000,
      requestExemplar(req),
      req,
      res,
    );
  } catch (error) {
    // A broken response object or router must never surface as an uncaught error.
    warnOnce("record-response", "recording a request failed; it is not counted", error);
  }
}

export { UNMATCHED_ENDPOINT };
