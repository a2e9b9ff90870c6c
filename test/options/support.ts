/**
 * One small app per framework for the option tests, listening on 127.0.0.1, with the same
 * routes in Fastify and Express, so each option is specified once and checked in both.
 */
import http from "node:http";
import type { Server } from "node:http";
import express5 from "express";
import express4 from "express4";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { Registry } from "prom-client";
import type { ExpressMetricsOptions } from "../../src/express/metrics.js";
import { metricsMiddleware } from "../../src/express/metrics.js";
import type { FastifyMetricsOptions } from "../../src/fastify/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { metricsHandler } from "../../src/exposition/handler.js";
import { setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { close as closeServer } from "../support/http-client.js";
import { parseExposition } from "../support/exposition.js";
import type { Sample } from "../support/exposition.js";

export type Framework = "fastify5" | "fastify4" | "express5" | "express4";
export const FRAMEWORKS: Framework[] = ["fastify5", "fastify4", "express5", "express4"];

/** Options either integration takes (label functions typed loosely for both). */
export type AnyOptions = Omit<FastifyMetricsOptions & ExpressMetricsOptions, "extraLabels"> & {
  extraLabels?: Record<string, (req: never, res: never) => string>;
};

export interface App {
  port: number;
  registry: Registry;
  scrape(): Promise<Sample[]>;
  scrapeText(): Promise<string>;
  close(): Promise<void>;
}

const open: App[] = [];

/** Closes every app started since the last call (use in `afterEach`). */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((app) => app.close()));
}

/** Starts `framework` with the metrics plugin or middleware and the test routes. */
export async function startApp(
  framework: Framework,
  options: AnyOptions = {},
  registry = new Registry(),
): Promise<App> {
  const app = framework.startsWith("fastify")
    ? await startFastify(framework, { registry, ...options } as FastifyMetricsOptions)
    : await startExpress(framework, { registry, ...options } as ExpressMetricsOptions);
  const scrapeText = async () => (await send(app.port, "/metrics")).body;
  const started: App = {
    ...app,
    registry,
    scrapeText,
    scrape: async () => parseExposition(await scrapeText()),
  };
  open.push(started);
  return started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startFastify(framework: Framework, options: FastifyMetricsOptions) {
  const Fastify = (framework === "fastify4" ? fastify4 : fastify5) as typeof fastify5;
  const app = Fastify();
  await app.register(metricsPlugin, options);
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.get("/claims/:id", async (req) => ({ id: (req.params as { id: string }).id }));
  app.post("/claims", async (_req, reply) => reply.code(201).send({ ok: true }));
  app.post("/upload", async (req) => ({ bytes: (req.body as Buffer | undefined)?.length ?? 0 }));
  app.get("/fail", async () => {
    throw new Error("boom");
  });
  app.get("/internal/:name", async () => "internal");
  app.get("/health", async () => "ok");
  app.get("/empty", async (_req, reply) => reply.code(204).send());
  app.get("/slow", async () => {
    await sleep(300);
    return "late";
  });
  app.get("/stream", (_req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/plain" });
    streamChunks(reply.raw);
  });
  app.options("/claims/:id", async (_req, reply) => reply.code(204).send());
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as { port: number }).port;
  return { port, close: async () => void (await app.close()) };
}

async function startExpress(framework: Framework, options: ExpressMetricsOptions) {
  const express = (framework === "express4" ? express4 : express5) as typeof express5;
  const app = express();
  app.use(metricsMiddleware(options));
  app.get("/metrics", metricsHandler(options.registry ? { registry: options.registry } : {}));
  app.get("/claims/:id", (req, res) => void res.json({ id: req.params.id }));
  app.post("/claims", (_req, res) => void res.status(201).json({ ok: true }));
  app.post("/upload", (req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => void res.json({ bytes }));
  });
  app.get("/fail", () => {
    throw new Error("boom");
  });
  app.get("/internal/:name", (_req, res) => void res.send("internal"));
  app.get("/health", (_req, res) => void res.send("ok"));
  app.get("/empty", (_req, res) => void res.status(204).end());
  app.get("/slow", (_req, res) => void setTimeout(() => res.send("late"), 300));
  app.get("/stream", (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    streamChunks(res);
  });
  app.options("/claims/:id", (_req, res) => void res.status(204).end());
  app.use((err: Error, _req: unknown, res: http.ServerResponse, _next: unknown) => {
    res.statusCode = 500;
    res.end(err.message);
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => closeServer(server) };
}

/** Writes "chunk1\n", "chunk2\n", "chunk3\n" 100 ms apart (21 bytes), then ends. */
function streamChunks(res: http.ServerResponse): void {
  let sent = 0;
  const tick = () => {
    if (res.destroyed) return;
    if (sent === 3) return void res.end();
    sent++;
    res.write(`chunk${sent}\n`);
    setTimeout(tick, 100);
  };
  tick();
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request. `body` as a string is sent with Content-Length; as an array, chunk by chunk
 * with `Transfer-Encoding: chunked` and no Content-Length.
 */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | string[] } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (typeof options.body === "string") {
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    const req = http.request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout ${path}`)));
    req.on("error", reject);
    if (Array.isArray(options.body)) for (const chunk of options.body) req.write(chunk);
    else if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Collects the package's log lines while `run` runs. */
export async function captureLogs(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const previous = setLogger({
    warn: (message) => lines.push(message),
    error: (message) => lines.push(message),
  } satisfies ObservabilityLogger);
  try {
    await run();
  } finally {
    setLogger(previous);
  }
  return lines;
}
