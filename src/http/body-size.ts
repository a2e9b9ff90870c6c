/**
 * Body sizes for the opt-in size histograms, from what actually crossed the wire where the
 * header cannot tell: a chunked request body is counted as the parser pushes it (without
 * reading it, so the application's stream keeps its mode), and a response body is counted as
 * it is written. Only installed on a request when the matching option is on.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { peekRequestState, type ByteCount, type RequestState } from "../kernel/request-state.js";

function chunkLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === "string") {
    try {
      return Buffer.byteLength(
        chunk,
        typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
      );
    } catch {
      return Buffer.byteLength(chunk);
    }
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/** Counts the body bytes of a request that has no `Content-Length` but a body (chunked). */
export function countRequestBytes(req: IncomingMessage, state: RequestState): void {
  const headers = req.headers;
  if (headers["content-length"] !== undefined || headers["transfer-encoding"] === undefined) return;
  const count: ByteCount = { bytes: 0, ending: 0 };
  state.requestBytes = count;
  const push = req.push;
  req.push = function countedPush(
    this: IncomingMessage,
    chunk: unknown,
    encoding?: BufferEncoding,
  ) {
    count.bytes += chunkLength(chunk, encoding);
    return push.call(this, chunk, encoding);
  };
}

/** The request body size: `Content-Length` when valid, else the bytes counted, else 0. */
export function requestBytes(req: IncomingMessage): number {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const length = Number(declared);
    if (Number.isSafeInteger(length) && length >= 0) return length;
  }
  return peekRequestState(req)?.requestBytes?.bytes ?? 0;
}

/** Counts the body bytes `res` writes, through `write` and `end`. */
export function countResponseBytes(res: ServerResponse, state: RequestState): void {
  const count: ByteCount = { bytes: 0, ending: 0 };
  state.responseBytes = count;
  const write = res.write as (...args: unknown[]) => boolean;
  const end = res.end as (...args: unknown[]) => ServerResponse;
  res.write = function countedWrite(
    this: ServerResponse,
    chunk: unknown,
    encoding?: unknown,
    callback?: unknown,
  ): boolean {
    if (count.ending === 0) count.bytes += chunkLength(chunk, encoding);
    return write.call(this, chunk, encoding, callback);
  } as ServerResponse["write"];
  res.end = function countedEnd(
    this: ServerResponse,
    chunk?: unknown,
    encoding?: unknown,
    callback?: unknown,
  ): ServerResponse {
    if (count.ending === 0) count.bytes += chunkLength(chunk, encoding);
    count.ending += 1;
    try {
      return end.call(this, chunk, encoding, callback);
    } finally {
      count.ending -= 1;
    }
  } as ServerResponse["end"];
}

/** The response body bytes written; 0 where HTTP sends no body (HEAD, 204, 304). */
export function responseBytes(req: IncomingMessage, res: ServerResponse): number {
  if (req.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304) return 0;
  return peekRequestState(req)?.responseBytes?.bytes ?? 0;
}
