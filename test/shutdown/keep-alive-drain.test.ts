/**
 * During the drain, pooled keep-alive clients must move off the server without a single reset:
 * every response from the shutdown on carries `Connection: close`, also when the handler answers
 * synchronously (Express `res.json`, Fastify `reply.send()` or a returned value, `node:http`
 * `res.end`) — its headers go out inside the server's `request` event, so the header must be set
 * before the application's listener runs.
 *
 * The client is a real `http.Agent({ keepAlive: true })` pool sending requests in a tight loop,
 * behind a simulated load balancer: new connections reach this pod until the load balancer has
 * taken it out of rotation (before the drain delay ends, as the drain delay is sized for), while
 * connections already pooled keep being used. A response that kept its connection alive lets
 * the pool reuse it up to the server's close, which resets it: that is the bug. Repeated runs,
 * zero ECONNRESET.
 */
import { Agent, createServer, request } from "node:http";
import { createConnection } from "node:net";
import type { NetConnectOpts } from "node:net";
import type { Duplex } from "node:stream";
import type { Server } from "node:http";
import express5 from "express";
import express4 from "express4";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { describe, expect, it } from "vitest";
import { enableGracefulShutdown } from "../../src/shutdown/graceful-shutdown.js";
import type { ShutdownTarget } from "../../src/shutdown/graceful-shutdown.js";

const RUNS = 4;
const CLIENTS = 4;
const DRAIN_MS = 400;
/**
 * The load balancer stops opening connections to the pod once 2 requests per client were
 * answered during the drain, or at this point at the latest — well before the drain delay ends,
 * as the delay is sized for.
 */
const OUT_OF_ROTATION_MS = 250;

/** A keep-alive pool whose new connections go elsewhere once the pod is out of rotation. */
class LoadBalancedPool extends Agent {
  outOfRotation = false;
  connections = 0;

  constructor() {
    // No socket limit: a request queued for a socket whose creation then fails would wait in
    // Node's queue forever (it serves one queued request per closed socket).
    super({ keepAlive: true, scheduling: "fifo" });
  }

  override createConnection(
    options: NetConnectOpts,
    callback: (error: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    if (this.outOfRotation) {
      const error = Object.assign(new Error("routed to another pod"), { code: "ROUTED_AWAY" });
      process.nextTick(() => callback(error, undefined as unknown as Duplex));
      return undefined;
    }
    this.connections++;
    return createConnection(options);
  }
}

interface Started {
  target: ShutdownTarget;
  port: number;
  stop: () => Promise<unknown>;
}

type Starter = () => Promise<Started>;

async function listenServer(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  if (!server.listening) return Promise.resolve(); // the shutdown closed it already
  return new Promise((resolve) => server.close(() => resolve()));
}

const expressApp =
  (express: typeof express5): Starter =>
  async () => {
    const app = express();
    app.get("/ping", (_req, res) => void res.json({ pong: true })); // synchronous reply
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    return { target: server, port, stop: () => closeServer(server) };
  };

const fastifyApp =
  (Fastify: typeof fastify5, style: "send" | "return"): Starter =>
  async () => {
    const app = Fastify();
    if (style === "send") app.get("/ping", (_request, reply) => void reply.send({ pong: true }));
    else app.get("/ping", async () => ({ pong: true }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as { port: number }).port;
    return { target: app, port, stop: () => closeServer(app.server) };
  };

const nodeHttp: Starter = async () => {
  const server = createServer((_req, res) => void res.end("pong"));
  const port = await listenServer(server);
  return { target: server, port, stop: () => closeServer(server) };
};

interface Outcome {
  /** Errors other than "the pool would have opened a new connection": resets. */
  resets: string[];
  /** Requests answered before the shutdown began, and the connections they took. */
  beforeShutdown: { requests: number; connections: number };
  afterShutdown: { connection: string | undefined }[];
  codes: number[];
}

/** One GET /ping through the pool: its `Connection` header, or what went wrong. */
function ping(
  port: number,
  agent: LoadBalancedPool,
): Promise<{ connection?: string | undefined; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/ping", agent }, (res) => {
      res.resume();
      res.on("end", () => settle({ connection: res.headers.connection }));
      res.on("error", (error: NodeJS.ErrnoException) => settle({ error: describe(error) }));
    });
    // The error and the socket the request went out on, for the failure message.
    const describe = (error: NodeJS.ErrnoException) =>
      error.code === "ROUTED_AWAY"
        ? error.code
        : `${error.code ?? error.message} (${req.reusedSocket ? "reused" : "new"} connection)`;
    // Bounded even while the request waits in the pool for a socket.
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })),
      5000,
    );
    const settle = (answer: { connection?: string | undefined; error?: string }) => {
      clearTimeout(timer);
      resolve(answer);
    };
    req.on("error", (error: NodeJS.ErrnoException) => settle({ error: describe(error) }));
    req.on("close", () => settle({ error: "closed without a response or an error" }));
    req.end();
  });
}

async function drainUnderLoad(start: Starter): Promise<Outcome> {
  const { target, port, stop } = await start();
  const pool = new LoadBalancedPool();
  const codes: number[] = [];
  const controller = enableGracefulShutdown(target, {
    drainDelayMs: DRAIN_MS,
    timeoutMs: 5000,
    signals: [],
    exit: (code) => void codes.push(code),
  });
  const outcome: Outcome = {
    resets: [],
    beforeShutdown: { requests: 0, connections: 0 },
    afterShutdown: [],
    codes,
  };
  let shuttingDown = false;
  let shutdownAt = 0;
  const deadline = Date.now() + 10_000;
  const client = async () => {
    // Until the pool would need a new connection after the pod left the rotation, the shutdown
    // is over, or the run is failing anyway.
    while (codes.length === 0 && outcome.resets.length < 20 && Date.now() < deadline) {
      const sentAfterShutdown = shuttingDown;
      const answer = await ping(port, pool);
      if (answer.error === "ROUTED_AWAY") return;
      if (answer.error !== undefined) {
        const at = Math.round(performance.now() - shutdownAt);
        outcome.resets.push(`${answer.error}, ${at} ms after the shutdown began`);
      } else if (sentAfterShutdown) {
        outcome.afterShutdown.push({ connection: answer.connection });
        if (outcome.afterShutdown.length >= 2 * CLIENTS) pool.outOfRotation = true;
      } else outcome.beforeShutdown.requests++;
    }
  };
  try {
    const clients = Array.from({ length: CLIENTS }, client);
    while (outcome.beforeShutdown.requests < 5 * CLIENTS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    outcome.beforeShutdown.connections = pool.connections;
    shuttingDown = true;
    shutdownAt = performance.now();
    const done = controller.shutdown();
    setTimeout(() => (pool.outOfRotation = true), OUT_OF_ROTATION_MS);
    await done;
    await Promise.all(clients);
    return outcome;
  } finally {
    controller.dispose();
    pool.destroy();
    await stop();
  }
}

const cases: [string, Starter][] = [
  ["node:http (res.end)", nodeHttp],
  ["Express 4 (res.json)", expressApp(express4 as unknown as typeof express5)],
  ["Express 5 (res.json)", expressApp(express5)],
  ["Fastify 4 (reply.send)", fastifyApp(fastify4 as unknown as typeof fastify5, "send")],
  ["Fastify 4 (returned value)", fastifyApp(fastify4 as unknown as typeof fastify5, "return")],
  ["Fastify 5 (reply.send)", fastifyApp(fastify5, "send")],
  ["Fastify 5 (returned value)", fastifyApp(fastify5, "return")],
];

describe.each(cases)("graceful drain with a keep-alive pool – %s", (_name, start) => {
  it(`every response from the shutdown on says Connection: close; ${RUNS} runs, zero resets`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const outcome = await drainUnderLoad(start);
      expect(outcome.codes, `run ${run + 1}: exit code`).toEqual([0]);
      // The pool really keeps connections alive before the shutdown.
      expect(outcome.beforeShutdown.connections).toBeLessThanOrEqual(2 * CLIENTS);
      expect(outcome.beforeShutdown.requests).toBeGreaterThanOrEqual(5 * CLIENTS);
      expect(
        outcome.resets,
        `run ${run + 1}: client errors other than a refused connection`,
      ).toEqual([]);
      expect(
        outcome.afterShutdown.length,
        `run ${run + 1}: requests answered during the drain`,
      ).toBeGreaterThanOrEqual(CLIENTS);
      expect(
        outcome.afterShutdown.filter((answer) => answer.connection !== "close"),
        `run ${run + 1}: responses without Connection: close`,
      ).toEqual([]);
    }
  }, 30_000);
});
