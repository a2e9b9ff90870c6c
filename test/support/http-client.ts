/** Small helpers for tests that talk to real servers on 127.0.0.1. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** Sends a request and destroys it after `afterMs` (before headers) or after the first body chunk. */
export function abortRequest(
  port: number,
  path: string,
  when: { afterMs: number } | "first-chunk",
): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.once("data", () => {
        if (when === "first-chunk") req.destroy();
      });
    });
    req.on("error", () => undefined);
    req.on("close", () => resolve());
    if (when !== "first-chunk") setTimeout(() => req.destroy(), when.afterMs);
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(portOf(server))));
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Polls `check` every 10 ms until it returns true or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * A route handler the test controls: `started` resolves (with `performance.now()`) when the
 * handler runs, and the handler does not finish until the test calls `release()`. Tests of
 * aborts use it instead of a sleep, so their timings do not depend on the machine's load.
 */
export function heldRoute<T>(result: T) {
  let markStarted: (at: number) => void = () => undefined;
  let release: () => void = () => undefined;
  let markFinished: () => void = () => undefined;
  const started = new Promise<number>((resolve) => (markStarted = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const finished = new Promise<void>((resolve) => (markFinished = resolve));
  const handle = async (): Promise<T> => {
    markStarted(performance.now());
    await released;
    markFinished();
    return result;
  };
  return { handle, started, release, finished };
}

/**
 * Sends a request, waits until the server's handler has it (`arrived`), holds the connection
 * `holdMs` longer, then destroys it. Resolves when the socket closed, with when the request was
 * sent, when the handler started and when the client went away (`performance.now()`).
 */
export function abortAfterArrival(
  port: number,
  path: string,
  arrived: Promise<number>,
  holdMs: number,
): Promise<{ sentAt: number; startedAt: number; abortedAt: number }> {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path, agent: false });
    req.on("error", () => undefined);
    void arrived.then((startedAt) =>
      setTimeout(() => {
        const abortedAt = performance.now();
        req.on("close", () => resolve({ sentAt, startedAt, abortedAt }));
        req.destroy();
      }, holdMs),
    );
  });
}
