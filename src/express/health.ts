/**
 * The health routes for `node:http` and Express (4 and 5): one `(req, res, next?)` function
 * that answers the two health paths and hands every other request on. It imports no framework.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorOnce } from "../kernel/logger.js";
import { markUntracked } from "../kernel/request-state.js";
import { compileHealth } from "../health/options.js";
import type { HealthAnswer, HealthOptions } from "../health/options.js";
import { attachedReadiness } from "../health/readiness-state.js";

/**
 * Answers the health paths; returns `true` when it did. Other requests go to `next` when given
 * (Express), or are left to the caller (`node:http`: `if (health(req, res)) return;`).
 */
export type HealthHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => boolean;

/** Writes a health answer with the headers a probe and a cache need. */
function writeHealthAnswer(req: IncomingMessage, res: ServerResponse, answer: HealthAnswer): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = answer.statusCode;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.setHeader("content-length", Buffer.byteLength(answer.body));
  res.end(req.method === "HEAD" ? undefined : answer.body);
}

const UNAVAILABLE: HealthAnswer = { statusCode: 503, body: '{"status":"unavailable","checks":{}}' };

/**
 * Creates the health routes for Express or a plain `node:http` server. Paths are matched on
 * `req.url` without its query, so under an Express mount point they are relative to it.
 *
 * @example
 * app.use(healthHandler({ checks: { db: (signal) => db.ping(signal) } })); // Express
 * @example
 * const health = healthHandler();
 * http.createServer((req, res) => { if (health(req, res)) return; app(req, res); });
 */
export function healthHandler(options?: HealthOptions): HealthHandler {
  const health = compileHealth(options, "healthHandler");
  const { livePath, readyPath } = health;

  return function crisislenHealth(req, res, next) {
    const method = req.method;
    if (method === "GET" || method === "HEAD") {
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const path = query === -1 ? url : url.slice(0, query);
      if (path === livePath) {
        markUntracked(req);
        writeHealthAnswer(req, res, health.live);
        return true;
      }
      if (path === readyPath) {
        markUntracked(req);
        health.ready(attachedReadiness(serverOf(req))).then(
          (answer) => writeHealthAnswer(req, res, answer),
          (error: unknown) => {
            errorOnce("readiness:handler", "readiness route failed", error);
            writeHealthAnswer(req, res, UNAVAILABLE);
          },
        );
        return true;
      }
    }
    next?.();
    return false;
  };
}

/** The server that accepted the request's connection (Node sets `socket.server`; not typed). */
function serverOf(req: IncomingMessage): unknown {
  return (req.socket as { server?: unknown } | undefined)?.server;
}
