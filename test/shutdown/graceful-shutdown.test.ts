import { createServer, Agent } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect } from "node:net";
import fastify4 from "fastify4";
import fastify5 from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { healthHandler } from "../../src/express/health.js";
import { healthPlugin } from "../../src/fastify/health.js";
import { createReadinessState } from "../../src/health/readiness-state.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { onShutdown } from "../../src/kernel/shutdown-hooks.js";
import { enableGracefulShutdown } from "../../src/shutdown/graceful-shutdown.js";
import type { GracefulShutdown } from "../../src/shutdown/graceful-shutdown.js";
import { close, get, listen } from "../health/http-client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a new TCP connection to `port` is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** A server answering GET /slow?ms=N after N ms, with the health routes in front. */
function slowServer(events: string[] = []): Server {
  const health = healthHandler();
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (health(req, res)) return;
    const ms = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? "0");
    res.on("finish", () => events.push(`response ${res.statusCode} after ${ms} ms`));
    setTimeout(() => res.end("done"), ms);
  });
}

let messages: string[];
let previous: ObservabilityLogger;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  messages = [];
  resetLogRateLimit();
  previous = setLogger({ warn: (m) => messages.push(m), error: (m) => messages.push(m) });
});
afterEach(async () => {
  setLogger(previous);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(server: Server, controller?: GracefulShutdown): void {
  cleanups.push(() => close(server));
  if (controller !== undefined) cleanups.push(() => controller.dispose());
}

describe("enableGracefulShutdown – node:http", () => {
  it("drains in order: readiness 503, drain delay, refuse connections, finish in-flight, run hooks, exit 0", async () => {
    const events: string[] = [];
    const server = slowServer(events);
    const port = await listen(server);
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 200,
      timeoutMs: 3000,
      signals: [],
      exit: (code) => void codes.push(code),
    });
    track(server, shutdown);
    cleanups.push(onShutdown("test-flush", () => void events.push("hook")));

    const inFlight = [get(port, "/slow?ms=600"), get(port, "/slow?ms=400")];
    await sleep(50);
    expect((await get(port, "/health/ready")).status).toBe(200);
    const started = Date.now();
    const done = shutdown.shutdown();
    expect(shutdown.shutdown()).toBe(done);

    const draining = await get(port, "/health/ready");
    expect([draining.status, draining.body, draining.headers.connection]).toEqual([
      503,
      '{"status":"shutting_down","checks":{}}',
      "close",
    ]);
    expect((await get(port, "/slow?ms=1")).status).toBe(200); // still accepting during the drain
    expect(await refused(port)).toBe(false);

    let refusedAt = 0;
    for (let i = 0; i < 100 && refusedAt === 0; i += 1) {
      if (await refused(port)) refusedAt = Date.now() - started;
      else await sleep(10);
    }
    expect(refusedAt).toBeGreaterThanOrEqual(195);
    expect(refusedAt).toBeLessThan(400);

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, "done"],
      [200, "done"],
    ]);
    await done;
    const took = Date.now() - started;
    expect(codes).toEqual([0]);
    expect(events).toEqual([
      "response 200 after 1 ms",
      "response 200 after 400 ms",
      "response 200 after 600 ms",
      "hook",
    ]);
    expect(took).toBeGreaterThanOrEqual(540);
    expect(took).toBeLessThan(1500);
    expect(messages).toEqual([]);
  });

  it("closes idle keep-alive connections after the drain and asks busy ones to close", async () => {
    const server = slowServer();
    const port = await listen(server);
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 100,
      timeoutMs: 2000,
      signals: [],
      exit: (c) => void codes.push(c),
    });
    track(server, shutdown);
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    cleanups.push(() => agent.destroy());
    // Two sockets in the pool: one goes idle, one is busy when the shutdown starts.
    await Promise.all([get(port, "/slow?ms=20", { agent }), get(port, "/slow?ms=20", { agent })]);
    const sockets = Object.values(agent.freeSockets).flat();
    expect(sockets.length).toBe(2);
    const closedAt: number[] = [];
    const started = Date.now();
    for (const socket of sockets) socket?.once("close", () => closedAt.push(Date.now() - started));
    const busy = get(port, "/slow?ms=300", { agent });
    await sleep(20);
    void shutdown.shutdown();
    const answer = await busy;
    expect([answer.status, answer.headers.connection]).toEqual([200, "close"]);
    for (let i = 0; i < 100 && codes.length === 0; i += 1) await sleep(10);
    expect(codes).toEqual([0]);
    for (let i = 0; i < 100 && closedAt.length < 2; i += 1) await sleep(10);
    expect(closedAt.length).toBe(2);
    // The idle socket is closed right after the drain delay, not at its keep-alive timeout.
    expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(95);
    expect(Math.min(...closedAt)).toBeLessThan(250);
  });

  it("an overrun exits 1 naming the requests still in flight", async () => {
    const server = slowServer();
    const port = await listen(server);
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 50,
      timeoutMs: 300,
      signals: [],
      exit: (c) => void codes.push(c),
    });
    track(server, shutdown);
    const slow = get(port, "/slow?ms=1500&token=secret").catch(() => undefined);
    await sleep(30);
    const started = Date.now();
    await shutdown.shutdown();
    const took = Date.now() - started;
    expect(codes).toEqual([1]);
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(600);
    expect(messages).toEqual([
      "@crisislen/observability: graceful shutdown did not finish within 300 ms; exiting with code 1, still pending: 1 request in flight (GET /slow)",
    ]);
    server.closeAllConnections();
    await slow;
  });

  it("shutdown hooks that overrun exit 1 naming them", async () => {
    const server = slowServer();
    await listen(server);
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 0,
      timeoutMs: 200,
      signals: [],
      exit: (c) => void codes.push(c),
    });
    track(server, shutdown);
    cleanups.push(onShutdown("test-hang", () => new Promise(() => {})));
    await shutdown.shutdown();
    expect(codes).toEqual([1]);
    expect(messages.length).toBe(1);
    expect(messages[0]).toMatch(
      /^@crisislen\/observability: (graceful shutdown did not finish within 200 ms|shutdown hooks did not finish within the 200 ms bound); exiting with code 1, still pending: shutdown hooks \(e\.g\. the trace flush\)$/,
    );
  });

  it("the signal starts the shutdown and a second one exits 1 at once", async () => {
    const server = slowServer();
    const port = await listen(server);
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 1000,
      timeoutMs: 5000,
      signals: ["SIGUSR2"],
      exit: (c) => void codes.push(c),
    });
    track(server, shutdown);
    const before = process.listenerCount("SIGUSR2");
    process.emit("SIGUSR2", "SIGUSR2");
    expect((await get(port, "/health/ready")).status).toBe(503);
    expect(codes).toEqual([]);
    process.emit("SIGUSR2", "SIGUSR2");
    expect(codes).toEqual([1]);
    expect(messages).toEqual([
      "@crisislen/observability: received SIGUSR2 again during graceful shutdown; exiting with code 1, still pending: the 1000 ms drain delay",
    ]);
    expect(process.listenerCount("SIGUSR2")).toBe(before - 1);
  });

  it("marks an explicit readiness state too, and returns the same controller for the same server", async () => {
    const server = slowServer();
    await listen(server);
    const readiness = createReadinessState();
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(server, {
      drainDelayMs: 0,
      timeoutMs: 1000,
      signals: [],
      readiness,
      exit: (c) => void codes.push(c),
    });
    track(server, shutdown);
    expect(enableGracefulShutdown(server)).toBe(shutdown);
    await shutdown.shutdown();
    expect([readiness.shuttingDown, shutdown.readiness.shuttingDown, codes]).toEqual([
      true,
      true,
      [0],
    ]);
  });
});

describe.each([
  ["Fastify 4", fastify4 as unknown as typeof fastify5],
  ["Fastify 5", fastify5],
])("enableGracefulShutdown – %s", (_name, Fastify) => {
  it("drains, lets in-flight requests finish, runs onClose hooks and shutdown hooks, exits 0", async () => {
    const app = Fastify();
    await app.register(healthPlugin);
    app.get("/slow", async () => {
      await sleep(400);
      return "done";
    });
    const events: string[] = [];
    app.addHook("onClose", async () => void events.push("onClose"));
    app.addHook(
      "onResponse",
      async (request, reply) => void events.push(`${request.url} ${reply.statusCode}`),
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as { port: number }).port;
    const codes: number[] = [];
    const shutdown = enableGracefulShutdown(app, {
      drainDelayMs: 150,
      timeoutMs: 3000,
      signals: [],
      exit: (c) => void codes.push(c),
    });
    cleanups.push(
      () => shutdown.dispose(),
      () => app.close(),
    );
    cleanups.push(onShutdown("test-flush", () => void events.push("hook")));

    const slow = get(port, "/slow");
    await sleep(50);
    const started = Date.now();
    const done = shutdown.shutdown();
    const ready = await get(port, "/health/ready");
    expect([ready.status, ready.body]).toEqual([503, '{"status":"shutting_down","checks":{}}']);
    let refusedAt = 0;
    for (let i = 0; i < 100 && refusedAt === 0; i += 1) {
      if (await refused(port)) refusedAt = Date.now() - started;
      else await sleep(10);
    }
    expect(refusedAt).toBeGreaterThanOrEqual(145);
    expect(refusedAt).toBeLessThan(350);
    expect([(await slow).status, (await slow).body]).toEqual([200, "done"]);
    await done;
    expect(codes).toEqual([0]);
    expect(events).toEqual(["/health/ready 503", "/slow 200", "onClose", "hook"]);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("enableGracefulShutdown – options", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ["SHUTDOWN_DRAIN_DELAY_MS", "SHUTDOWN_TIMEOUT_MS"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  function controller(options: Parameters<typeof enableGracefulShutdown>[1] = {}) {
    const server = createServer();
    const shutdown = enableGracefulShutdown(server, { signals: [], ...options });
    shutdown.dispose();
    return shutdown;
  }

  it("defaults to a 5000 ms drain delay and a 20000 ms bound", () => {
    delete process.env.SHUTDOWN_DRAIN_DELAY_MS;
    delete process.env.SHUTDOWN_TIMEOUT_MS;
    const { drainDelayMs, timeoutMs } = controller();
    expect([drainDelayMs, timeoutMs]).toEqual([5000, 20000]);
  });

  it("reads SHUTDOWN_DRAIN_DELAY_MS and SHUTDOWN_TIMEOUT_MS; options win", () => {
    process.env.SHUTDOWN_DRAIN_DELAY_MS = "7000";
    process.env.SHUTDOWN_TIMEOUT_MS = "25000";
    expect([controller().drainDelayMs, controller().timeoutMs]).toEqual([7000, 25000]);
    expect(controller({ drainDelayMs: 100, timeoutMs: 200 })).toMatchObject({
      drainDelayMs: 100,
      timeoutMs: 200,
    });
  });

  it("logs an invalid environment value and uses the default", () => {
    process.env.SHUTDOWN_DRAIN_DELAY_MS = "5s";
    delete process.env.SHUTDOWN_TIMEOUT_MS;
    expect(controller().drainDelayMs).toBe(5000);
    expect(messages).toEqual([
      '@crisislen/observability: ignoring SHUTDOWN_DRAIN_DELAY_MS="5s": expected a whole number from 0 to 2147483647; using 5000',
    ]);
  });

  it("a typo in SHUTDOWN_DRAIN_DELAY_MS next to a short SHUTDOWN_TIMEOUT_MS warns and starts with a valid pair", () => {
    process.env.SHUTDOWN_DRAIN_DELAY_MS = "5s";
    process.env.SHUTDOWN_TIMEOUT_MS = "4000";
    expect([controller().drainDelayMs, controller().timeoutMs]).toEqual([1000, 4000]);
    expect(messages).toEqual([
      '@crisislen/observability: ignoring SHUTDOWN_DRAIN_DELAY_MS="5s": expected a whole number from 0 to 2147483647; using 1000',
    ]);
  });

  it("a typo in SHUTDOWN_TIMEOUT_MS next to a long drainDelayMs warns and keeps the bound above the drain", () => {
    process.env.SHUTDOWN_TIMEOUT_MS = "4s";
    delete process.env.SHUTDOWN_DRAIN_DELAY_MS;
    expect(controller({ drainDelayMs: 25_000 })).toMatchObject({
      drainDelayMs: 25_000,
      timeoutMs: 40_000,
    });
    expect(messages).toEqual([
      '@crisislen/observability: ignoring SHUTDOWN_TIMEOUT_MS="4s": expected a whole number from 1 to 2147483647; using 40000',
    ]);
  });

  it("a drain delay from the environment that is not below the bound warns and is replaced", () => {
    process.env.SHUTDOWN_DRAIN_DELAY_MS = "5000";
    process.env.SHUTDOWN_TIMEOUT_MS = "4000";
    expect([controller().drainDelayMs, controller().timeoutMs]).toEqual([1000, 4000]);
    expect(messages).toEqual([
      '@crisislen/observability: ignoring SHUTDOWN_DRAIN_DELAY_MS="5000": expected less than timeoutMs (4000), or nothing is left to finish the requests; using 1000',
    ]);
  });

  it.each<[Parameters<typeof enableGracefulShutdown>[1], Error]>([
    [
      { drainDelayMs: -1 },
      new RangeError(
        "drainDelayMs must be a whole number of milliseconds from 0 to 2147483647, got -1",
      ),
    ],
    [
      { timeoutMs: 0 },
      new RangeError(
        "timeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 0",
      ),
    ],
    [
      { drainDelayMs: 5000, timeoutMs: 5000 },
      new RangeError(
        "drainDelayMs must be less than timeoutMs (5000), or nothing is left to finish the requests, got 5000",
      ),
    ],
    [
      { signals: ["TERM" as NodeJS.Signals] },
      new TypeError('signals must be an array of signal names like "SIGTERM", got ["TERM"]'),
    ],
    [{ exit: 1 as never }, new TypeError("exit must be a function, got 1")],
    [
      { readiness: {} as never },
      new TypeError("readiness must be a state from createReadinessState(), got an object"),
    ],
  ])("rejects %j", (options, error) => {
    const expected = new (error.constructor as ErrorConstructor)(
      `@crisislen/observability: ${error.message}`,
    );
    expect(() => enableGracefulShutdown(createServer(), options)).toThrow(expected);
  });

  it("rejects a target that is not a server", () => {
    expect(() => enableGracefulShutdown((() => {}) as never)).toThrow(
      new TypeError(
        "@crisislen/observability: the target of enableGracefulShutdown must be a node:http server (for Express, the server app.listen() returns) or a Fastify instance, got a function",
      ),
    );
  });
});
