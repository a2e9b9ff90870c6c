/**
 * Shared pieces of the fault and attack suite: real Fastify 5 and Express 5 servers on
 * 127.0.0.1 with their own registry, capture of escaped errors and of the package logger, raw
 * socket requests, and `promtool check metrics` on an exposition.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import http, { type Server } from "node:http";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import type { AnyRegistry } from "../../src/metrics/registry.js";
import { metricsMiddleware, type ExpressMetricsOptions } from "../../src/express/metrics.js";
import { metricsPlugin, type FastifyMetricsOptions } from "../../src/fastify/metrics.js";
import { metricsHandler, type MetricsHandlerOptions } from "../../src/exposition/handler.js";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import { toolPath } from "../deploy/support/tools.js";
import { parseExposition, select, type Sample } from "../support/exposition.js";
import { close, request } from "../support/http-client.js";

/** A running instrumented app. */
export interface TestApp {
  readonly name: "Fastify 5" | "Express 5";
  readonly port: number;
  readonly registry: AnyRegistry;
  /** GET /metrics (with the given headers), raw reply. */
  scrapeRaw(
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string; type: string }>;
  /** GET /metrics, parsed; throws on a non-200. */
  scrape(): Promise<Sample[]>;
  close(): Promise<void>;
}

/** Routes both apps define, so the same requests mean the same thing on both. */
export interface RouteSet {
  /** `GET /claims/:id` → JSON. */
  claims: true;
  /** `GET /slow` → 200 after `slowMs`. */
  slowMs: number;
  /** `GET /stream` → 5 chunks, 40 ms apart. */
  stream: true;
}

const STREAM_CHUNKS = 5;
const STREAM_GAP_MS = 40;

function streamBody(
  write: (chunk: string) => void,
  end: () => void,
  destroyed: () => boolean,
): void {
  let sent = 0;
  const tick = (): void => {
    if (destroyed()) return;
    if (sent === STREAM_CHUNKS) return end();
    sent++;
    write(`chunk${sent}\n`);
    setTimeout(tick, STREAM_GAP_MS);
  };
  tick();
}

function scrapers(port: number): Pick<TestApp, "scrapeRaw" | "scrape"> {
  const scrapeRaw = async (headers: Record<string, string> = {}) => {
    const reply = await request(port, "/metrics", { headers });
    return { status: reply.status, body: reply.body, type: String(reply.headers["content-type"]) };
  };
  return {
    scrapeRaw,
    async scrape() {
      const reply = await scrapeRaw();
      if (reply.status !== 200) throw new Error(`/metrics answered ${reply.status}: ${reply.body}`);
      return parseExposition(reply.body);
    },
  };
}

/** Fastify 5 with `metricsPlugin` on its own registry. */
export async function startFastify(
  options: FastifyMetricsOptions = {},
  setup?: (app: FastifyInstance) => void | Promise<void>,
): Promise<TestApp & { app: FastifyInstance }> {
  const registry = options.registry ?? new Registry();
  const app = Fastify();
  await app.register(metricsPlugin, { registry, ...options });
  app.get("/claims/:id", async (request) => ({ id: (request.params as { id: string }).id }));
  app.get("/slow", async () => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    return "late";
  });
  app.get("/stream", (_request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/plain" });
    streamBody(
      (chunk) => res.write(chunk),
      () => res.end(),
      () => res.destroyed,
    );
  });
  await setup?.(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as net.AddressInfo).port;
  return {
    name: "Fastify 5",
    app,
    port,
    registry,
    ...scrapers(port),
    close: () => app.close(),
  };
}

/** Express 5 with `metricsMiddleware` and `metricsHandler` on its own registry. */
export async function startExpress(
  options: ExpressMetricsOptions = {},
  setup?: (app: express.Express) => void,
  handlerOptions: Omit<MetricsHandlerOptions, "registry"> = {},
): Promise<TestApp & { server: Server }> {
  const registry = options.registry ?? new Registry();
  const app = express();
  app.use(metricsMiddleware({ registry, ...options }));
  app.get("/metrics", metricsHandler({ registry, ...handlerOptions }));
  app.get("/claims/:id", (req, res) => void res.json({ id: req.params.id }));
  app.get("/slow", (_req, res) => void setTimeout(() => res.send("late"), 150));
  app.get("/stream", (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    streamBody(
      (chunk) => res.write(chunk),
      () => res.end(),
      () => res.destroyed,
    );
  });
  setup?.(app);
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name: "Express 5",
    server,
    port,
    registry,
    ...scrapers(port),
    close: () => close(server),
  };
}

export const APPS = [
  ["Fastify 5", startFastify],
  ["Express 5", startExpress],
] as const;

/** Total of `http_requests_total` over every series. */
export function requestsTotal(samples: Sample[]): number {
  return select(samples, "http_requests_total").reduce((sum, s) => sum + s.value, 0);
}

/** Number of series of the two HTTP metrics (counter series + histogram `_count` series). */
export function httpSeries(samples: Sample[]): { counter: number; histogram: number } {
  return {
    counter: select(samples, "http_requests_total").length,
    histogram: select(samples, "http_request_duration_seconds_count").length,
  };
}

/** Collects every uncaught exception and unhandled rejection while a test runs. */
export function captureProcessErrors(): { errors: unknown[]; restore: () => void } {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    errors,
    restore: () => {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    },
  };
}

/** Captures the package logger (rate limit reset first, so "once" is observable). */
export function captureLog(): { lines: string[]; restore: () => void } {
  resetLogRateLimit();
  const lines: string[] = [];
  const previous = setLogger({
    warn: (message) => void lines.push(message),
    error: (message) => void lines.push(message),
  });
  return { lines, restore: () => void setLogger(previous) };
}

/**
 * prom-client's default metrics name three gauges `nodejs_active_*_total`, which promtool's
 * linter flags (exit code 3, "non-counter metrics should not have _total suffix"). That is a
 * naming lint of prom-client's, not a format error; every other finding fails the check.
 */
const KNOWN_LINT =
  /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/**
 * `promtool check metrics` on a Prometheus text exposition. Resolves with promtool's exit code
 * (0 clean, 1 unparsable, 3 lint findings) and its findings minus the known prom-client lint.
 */
export function promtoolCheck(text: string): Promise<{ code: number; problems: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath("promtool"), ["check", "metrics"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        problems: output.split("\n").filter((line) => line !== "" && !KNOWN_LINT.test(line)),
      }),
    );
    child.stdin.end(text);
  });
}

/** Whether promtool found the exposition parsable and lint-clean apart from {@link KNOWN_LINT}. */
export async function promtoolValid(text: string): Promise<string[]> {
  const { code, problems } = await promtoolCheck(text);
  if (code !== 0 && code !== 3) return [`promtool exit code ${code}`, ...problems];
  return problems;
}

const OM_SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (NaN|[+-]Inf|-?[0-9.eE+-]+)( # \{.*\} \S+( \S+)?)?$/;

/**
 * Structural check of an OpenMetrics 1.0 text (promtool 2.42 checks the Prometheus text format
 * only): HELP/TYPE lines or samples, one `# EOF` at the very end. Returns the offending lines.
 */
export function openMetricsProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith("# EOF\n")) problems.push("does not end with # EOF");
  const lines = text.split("\n").slice(0, -2);
  for (const line of lines) {
    if (line === "# EOF") problems.push("# EOF before the end");
    else if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    else if (!OM_SAMPLE.test(line)) problems.push(line);
  }
  return problems;
}

/** Sends raw bytes on a fresh socket; resolves with whatever the server answered before closing. */
export function rawRequest(
  port: number,
  bytes: string | Buffer,
  timeoutMs = 3000,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      // One response is enough: we never pipeline here.
      if (/\r\n\r\n/.test(answer) && /connection: close/i.test(answer)) socket.end();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.write(bytes);
  });
}

/** The status code of a raw HTTP answer, or 0 when there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(
  count: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 32 });

/**
 * One request over a shared keep-alive agent (fast for floods); resolves with the status, or 0
 * when the server closed the connection without an answer (CONNECT, a parser rejection).
 */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; agent?: http.Agent | false } = {},
): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? keepAlive,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout ${path}`)));
    req.on("error", () => resolve(0));
    req.end();
  });
}

export { request };
