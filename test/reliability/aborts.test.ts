/**
 * Clients that go away — before the response, in the middle of a streamed body, with a request
 * body still being written, half-closed, reset — and sockets that error on the server side:
 * every request started is counted exactly once (the sum of `http_requests_total` equals the
 * requests started), the ones that never completed as 499.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type express from "express";
import { select } from "../support/exposition.js";
import { abortRequest, eventually } from "../support/http-client.js";
import {
  captureProcessErrors,
  pool,
  requestsTotal,
  send,
  startExpress,
  startFastify,
  type TestApp,
} from "./support.js";

const ROUNDS = 25;

/** Opens a raw socket, runs `script` on it, resolves when it closes. */
function withSocket(
  port: number,
  script: (socket: net.Socket) => void,
  options: { allowHalfOpen?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", ...options });
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("connect", () => script(socket));
  });
}

/**
 * Each way a request can end, with the status it must be counted under. `slow` is the path of a
 * route that answers late: `/slow` (150 ms) alone, `/slow-long` (2 s) under concurrency — client
 * and server share this process's event loop, so with 120 ms of lag (175 requests at once, with
 * coverage, on a busy machine) the client's abort timer and the server's 150 ms reply fire in
 * the same turn, and the reply completes before the server can see the abort: a 200, not a 499.
 */
const KINDS: Array<[string, number, (port: number, slow: string) => Promise<unknown>]> = [
  ["completes", 200, (port) => send(port, "/claims/1", { agent: false })],
  [
    "client aborts before the response",
    499,
    (port, slow) => abortRequest(port, slow, { afterMs: 30 }),
  ],
  ["client aborts mid-stream", 499, (port) => abortRequest(port, "/stream", "first-chunk")],
  [
    "client destroys its socket with request body writes pending",
    499,
    (port) =>
      withSocket(port, (socket) => {
        socket.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 900000\r\n\r\n",
        );
        // Under Fastify's 1 MB body limit, so the request reaches the handler.
        for (let i = 0; i < 4; i++) socket.write(Buffer.alloc(64 * 1024, 97));
        setTimeout(() => socket.destroy(), 20);
      }),
  ],
  [
    "client resets the connection (RST) during a slow response",
    499,
    (port, slow) =>
      withSocket(port, (socket) => {
        socket.write(`GET ${slow} HTTP/1.1\r\nHost: x\r\n\r\n`);
        setTimeout(() => socket.resetAndDestroy(), 30);
      }),
  ],
  [
    // Node's server (httpAllowHalfOpen false) closes on the client's FIN before the slow
    // response is written, so the response is never delivered: 499.
    "client half-closes (FIN) right after sending the request",
    499,
    (port, slow) =>
      withSocket(
        port,
        (socket) => {
          socket.write(`GET ${slow} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          socket.end();
        },
        { allowHalfOpen: true },
      ),
  ],
  [
    "server socket errors mid-response",
    499,
    (port) => send(port, "/socket-error", { agent: false }),
  ],
];

const LONG_MS = 2000;

function fastifyRoutes(app: FastifyInstance): void {
  app.get("/slow-long", async () => {
    await new Promise((resolve) => setTimeout(resolve, LONG_MS));
    return "late";
  });
  app.post("/upload", async (request) => ({ bytes: String(request.body).length }));
  app.get("/socket-error", (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/plain" });
    reply.raw.write("partial");
    setTimeout(() => request.raw.socket.destroy(new Error("socket broke")), 10);
  });
}

function expressRoutes(app: express.Express): void {
  app.get("/slow-long", (_req, res) => void setTimeout(() => res.send("late"), LONG_MS));
  app.post("/upload", (req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => void res.json({ bytes }));
  });
  app.get("/socket-error", (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("partial");
    setTimeout(() => req.socket.destroy(new Error("socket broke")), 10);
  });
}

const STARTERS: Array<[string, () => Promise<TestApp>]> = [
  ["Fastify 5", () => startFastify({}, fastifyRoutes)],
  ["Express 5", () => startExpress({}, expressRoutes)],
];

let running: TestApp | undefined;
let captured: ReturnType<typeof captureProcessErrors> | undefined;
afterEach(async () => {
  captured?.restore();
  await running?.close();
  running = captured = undefined;
});

describe.each(STARTERS)("aborts and socket errors on %s", (_name, start) => {
  for (const [kind, status, run] of KINDS) {
    it(`${kind}: counted once, as ${status}`, async () => {
      captured = captureProcessErrors();
      const app = (running = await start());
      await run(app.port, "/slow");
      await eventually(async () => requestsTotal(await app.scrape()) === 1);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a late second record would show now
      const samples = await app.scrape();
      expect(requestsTotal(samples)).toBe(1);
      expect(select(samples, "http_requests_total", { status: String(status) })).toHaveLength(1);
      expect(captured.errors).toEqual([]);
    });
  }

  it(`${ROUNDS * KINDS.length} requests of every kind, concurrently: the sum equals the requests started`, async () => {
    captured = captureProcessErrors();
    const app = (running = await start());
    const started = ROUNDS * KINDS.length;
    await pool(started, 24, (index) => KINDS[index % KINDS.length]![2](app.port, "/slow-long"));
    await eventually(async () => requestsTotal(await app.scrape()) >= started, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const samples = await app.scrape();
    expect(requestsTotal(samples)).toBe(started);
    const byStatus = (code: number): number =>
      select(samples, "http_requests_total", { status: String(code) }).reduce(
        (sum, s) => sum + s.value,
        0,
      );
    const expected499 = KINDS.filter(([, code]) => code === 499).length * ROUNDS;
    expect({ 200: byStatus(200), 499: byStatus(499) }).toEqual({
      200: started - expected499,
      499: expected499,
    });
    const durations = select(samples, "http_request_duration_seconds_count").reduce(
      (sum, s) => sum + s.value,
      0,
    );
    expect(durations).toBe(started);
    expect(captured.errors).toEqual([]);
    console.log(
      `[aborts ${app.name}] ${started} started → ${requestsTotal(samples)} counted (${expected499} as 499)`,
    );
  });
});
