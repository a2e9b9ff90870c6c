/** Small HTTP helpers for the runtime tests: real sockets on 127.0.0.1, no connection pooling. */
import { request } from "node:http";
import type { Agent, IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Listens on 127.0.0.1, an ephemeral port; resolves to the port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes a server, tolerating one that is not listening. */
export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One request on a fresh connection (or through `agent`); resolves with the whole body. */
export function get(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Parses a JSON body, failing the test with the raw body when it is not JSON. */
export function json(answer: Answer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new Error(`not JSON (status ${answer.status}): ${answer.body}`);
  }
}

/**
 * The registry's exposition once it contains `expected`, polled for up to a second: metrics are
 * recorded when the server sees the response finish, which can be after the client read it.
 */
export async function metricsContaining(
  registry: { metrics(): Promise<string> },
  expected: string,
): Promise<string> {
  let text = "";
  for (let attempt = 0; attempt < 100; attempt += 1) {
    text = await registry.metrics();
    if (text.includes(expected)) return text;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return text;
}
