/**
 * Tracks the requests a server is answering, so the shutdown can wait for them, tell which ones
 * are still pending when it overruns, and move keep-alive clients off the server: once draining
 * begins, every response asks the client to close its connection; once closing begins, each
 * connection that goes idle is closed at once instead of lingering until its keep-alive timeout.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

const MAX_LISTED = 3;

export class InFlightRequests {
  private readonly requests = new Map<ServerResponse, IncomingMessage>();
  private draining = false;
  private closing = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly server: Server) {
    // First in line: a handler that answers synchronously (Express `res.json`, Fastify
    // `reply.send()`) sends its headers inside the application's own `request` listener, so a
    // listener after it would ask for `Connection: close` too late.
    server.prependListener("request", this.onRequest);
  }

  /** Number of requests whose response has not finished or been aborted. */
  get size(): number {
    return this.requests.size;
  }

  /**
   * From now on every response carries `Connection: close`, so keep-alive clients reconnect
   * (through the load balancer, to another pod) without the race of a server-side close.
   */
  beginDraining(): void {
    this.draining = true;
    for (const res of this.requests.keys()) askToClose(res);
  }

  /** Closes idle connections now and every connection as soon as it goes idle. */
  beginClosing(): void {
    this.beginDraining();
    this.closing = true;
    this.server.closeIdleConnections?.();
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.requests.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** `2 requests in flight (GET /slow, POST /claims)`, or `undefined` when there are none. */
  describe(): string | undefined {
    const count = this.requests.size;
    if (count === 0) return undefined;
    const listed = [...this.requests.values()].slice(0, MAX_LISTED).map(label);
    const more = count > MAX_LISTED ? `, …${count - MAX_LISTED} more` : "";
    return `${count} request${count === 1 ? "" : "s"} in flight (${listed.join(", ")}${more})`;
  }

  /** Stops tracking (the shutdown finished or was disposed). */
  dispose(): void {
    this.server.off("request", this.onRequest);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.requests.set(res, req);
    if (this.draining) askToClose(res);
    res.once("close", () => this.onDone(res));
  };

  private onDone(res: ServerResponse): void {
    this.requests.delete(res);
    // The connection is idle only after the response detached from it, a tick later.
    if (this.closing) setImmediate(() => this.server.closeIdleConnections?.());
    if (this.requests.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function askToClose(res: ServerResponse): void {
  // HTTP/1.1 only; after the headers went out the socket is closed as idle once the body ends.
  // `shouldKeepAlive = false` makes Node itself write `Connection: close` and end the socket
  // after the response, even if a framework rewrites the headers we set.
  if (res.headersSent) return;
  res.setHeader("connection", "close");
  res.shouldKeepAlive = false;
}

/** `GET /path` without the query string, which may carry secrets. */
function label(req: IncomingMessage): string {
  const url = req.url ?? "";
  const query = url.indexOf("?");
  return `${req.method ?? "?"} ${query === -1 ? url : url.slice(0, query)}`;
}
