/**
 * traceLogFields as pino's mixin, on real listening Fastify 4/5 and Express 4/5 apps traced by
 * instrumentApp: every line a request writes carries the ids of the span it was written in (the
 * request's server span in the handler, the traceFunction span inside it), Fastify's and
 * pino-http's access lines carry the server span's, and a line outside any request carries none.
 */
import type { Server } from "node:http";
import { context, ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import express5 from "express";
import express4 from "express4";
import fastify5 from "fastify";
import fastify4 from "fastify4";
import { pino } from "pino";
import { pinoHttp } from "pino-http";
import { afterEach, describe, expect, it } from "vitest";
import { traceFunction } from "../../src/tracing/trace-function.js";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import { traceLogFields } from "../../src/tracing/log-correlation.js";
import type { InstrumentAppOptions, TracingHandle } from "../../src/tracing/options.js";
import { baseUrl, memoryExporter } from "./helpers.js";

type LogLine = Record<string, unknown> & { msg: string };

/** A pino destination that keeps every line, parsed. */
function captureLines(): { lines: LogLine[]; stream: { write(line: string): void } } {
  const lines: LogLine[] = [];
  return { lines, stream: { write: (line) => void lines.push(JSON.parse(line) as LogLine) } };
}

const FIELDS = ["trace_id", "span_id", "trace_flags"];
const idsOf = (line: LogLine | undefined) =>
  line === undefined ? undefined : Object.fromEntries(FIELDS.map((f) => [f, line[f]]));
const idsOfSpan = (span: ReadableSpan | undefined, flags = "01") => ({
  trace_id: span?.spanContext().traceId,
  span_id: span?.spanContext().spanId,
  trace_flags: flags,
});
const hasNoTraceFields = (line: LogLine | undefined) =>
  line !== undefined && FIELDS.every((field) => !(field in line));

interface TracedApp {
  url: string;
  lines: LogLine[];
  handle: TracingHandle;
  spans: () => Promise<ReadableSpan[]>;
  /** Logs through the app's root logger, outside any request. */
  logOutside: (msg: string) => void;
  close: () => Promise<void>;
}

/** The work a handler does: log, then log again inside a traced function. */
const processClaim = traceFunction("process_claim")(async function processClaim(log: {
  info(msg: string): void;
}) {
  log.info("inside process_claim");
  await new Promise((resolve) => setImmediate(resolve));
  return { ok: true };
});

const FRAMEWORKS = {
  "Fastify 5": fastify5,
  "Fastify 4": fastify4 as unknown as typeof fastify5,
} as const;

async function startFastify(
  name: keyof typeof FRAMEWORKS,
  options: InstrumentAppOptions = {},
): Promise<TracedApp> {
  const { lines, stream } = captureLines();
  const { exporter, processor } = memoryExporter();
  // The one documented line: the mixin in Fastify's logger options.
  const app = FRAMEWORKS[name]({ logger: { mixin: traceLogFields, stream } });
  const handle = await instrumentApp(app, {
    exporter: "none",
    spanProcessors: [processor],
    ...options,
  });
  app.get("/claims/:id", async (request) => {
    request.log.info("in handler");
    return processClaim(request.log);
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url: baseUrl(app.server),
    lines,
    handle,
    spans: async () => (await handle.forceFlush(), exporter.getFinishedSpans()),
    logOutside: (msg) => app.log.info(msg),
    close: async () => {
      await app.close();
      await handle.shutdown();
    },
  };
}

async function startExpress(express: typeof express5): Promise<TracedApp> {
  const { lines, stream } = captureLines();
  const { exporter, processor } = memoryExporter();
  const logger = pino({ mixin: traceLogFields }, stream);
  const app = express();
  const handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
  app.use(pinoHttp({ logger }));
  app.get("/claims/:id", (req, res, next) => {
    req.log.info("in handler");
    processClaim(req.log).then((body) => res.json(body), next);
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: baseUrl(server),
    lines,
    handle,
    spans: async () => (await handle.forceFlush(), exporter.getFinishedSpans()),
    logOutside: (msg) => logger.info(msg),
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await handle.shutdown();
    },
  };
}

let running: TracedApp | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const STARTERS: [string, () => Promise<TracedApp>][] = [
  ["Fastify 5", () => startFastify("Fastify 5")],
  ["Fastify 4", () => startFastify("Fastify 4")],
  ["Express 5", () => startExpress(express5)],
  ["Express 4", () => startExpress(express4 as unknown as typeof express5)],
];

describe.each(STARTERS)("traceLogFields on %s", (framework, start) => {
  it("stamps each line of a request with the ids of the span it was written in", async () => {
    running = await start();
    const app = running;
    app.logOutside("before any request");
    const response = await fetch(`${app.url}/claims/7`);
    expect(await response.json()).toEqual({ ok: true });
    app.logOutside("after the request");

    const spans = await app.spans();
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const claim = spans.find((span) => span.name === "process_claim");
    expect(server, spans.map((s) => s.name).join(", ")).toBeDefined();
    expect(claim?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);

    const line = (msg: string) => app.lines.find((l) => l.msg === msg);
    expect(idsOf(line("in handler"))).toEqual(idsOfSpan(server));
    expect(idsOf(line("inside process_claim"))).toEqual(idsOfSpan(claim));
    expect(line("inside process_claim")?.trace_id).toBe(server?.spanContext().traceId);
    // The access line is written in the response's finish callback, outside the request's
    // context: it gets the server span through the request it names.
    expect(idsOf(line("request completed"))).toEqual(idsOfSpan(server));
    expect(hasNoTraceFields(line("before any request"))).toBe(true);
    expect(hasNoTraceFields(line("after the request"))).toBe(true);
    if (framework.startsWith("Fastify")) {
      // Fastify writes "incoming request" before any hook runs, so before the span starts.
      expect(hasNoTraceFields(line("incoming request"))).toBe(true);
      expect(line("in handler")?.reqId).toBe(line("request completed")?.reqId);
    }
  });

  it("keeps a request's lines apart from a concurrent request's", async () => {
    running = await start();
    const app = running;
    await Promise.all([1, 2, 3, 4].map((id) => fetch(`${app.url}/claims/${id}`)));
    const spans = await app.spans();
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    const claims = spans.filter((span) => span.name === "process_claim");
    expect(servers).toHaveLength(4);
    const handlerLines = app.lines.filter((l) => l.msg === "in handler");
    const claimLines = app.lines.filter((l) => l.msg === "inside process_claim");
    expect(handlerLines.map((l) => l.span_id).sort()).toEqual(
      servers.map((s) => s.spanContext().spanId).sort(),
    );
    expect(claimLines.map((l) => l.span_id).sort()).toEqual(
      claims.map((s) => s.spanContext().spanId).sort(),
    );
    for (const claimLine of claimLines) {
      const claim = claims.find((s) => s.spanContext().spanId === claimLine.span_id);
      const server = servers.find(
        (s) => s.spanContext().spanId === claim?.parentSpanContext?.spanId,
      );
      expect(claimLine.trace_id).toBe(server?.spanContext().traceId);
    }
  });
});

describe("traceLogFields with a sampler that records nothing", () => {
  it('still names the trace, with trace_flags "00" (the trace is not exported)', async () => {
    running = await startFastify("Fastify 5", { sampler: "always_off" });
    const app = running;
    await fetch(`${app.url}/claims/1`);
    expect(await app.spans()).toEqual([]);
    const handlerLine = app.lines.find((l) => l.msg === "in handler");
    const claimLine = app.lines.find((l) => l.msg === "inside process_claim");
    expect(handlerLine?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(handlerLine?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(handlerLine?.trace_flags).toBe("00");
    // Unsampled spans still nest: the traced function's line has its own span id, same trace.
    expect(claimLine?.trace_id).toBe(handlerLine?.trace_id);
    expect(claimLine?.trace_flags).toBe("00");
  });
});

describe("traceLogFields on an access line written outside the request's context", () => {
  // A response ended from a callback that lost the request's context (a connection pool or an
  // event emitter shared by requests). Express: the http instrumentation binds the response's
  // listeners to the server span's context, so pino-http's line still runs inside it.
  it("Express + pino-http: the line carries the server span's ids", async () => {
    const { lines, stream } = captureLines();
    const { exporter, processor } = memoryExporter();
    const app = express5();
    const handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
    app.use(pinoHttp({ logger: pino({ mixin: traceLogFields }, stream) }));
    app.get("/detached", (_req, res) => {
      context.with(ROOT_CONTEXT, () => setImmediate(() => res.end("done")));
    });
    const server: Server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    running = {
      url: baseUrl(server),
      lines,
      handle,
      spans: async () => (await handle.forceFlush(), exporter.getFinishedSpans()),
      logOutside: () => undefined,
      close: async () => {
        await new Promise((resolve) => server.close(resolve));
        await handle.shutdown();
      },
    };
    expect(await (await fetch(`${running.url}/detached`)).text()).toBe("done");
    const server_ = (await running.spans()).find((span) => span.kind === SpanKind.SERVER);
    expect(idsOf(lines.find((l) => l.msg === "request completed"))).toEqual(idsOfSpan(server_));
  });
});

describe("traceLogFields on Fastify's access line written outside the request's context", () => {
  // Fastify's "request completed" runs in the context that sent the reply: the root one here.
  // The mixin finds the server span through the request the line names ({ res: reply }).
  it.each(["Fastify 5", "Fastify 4"] as const)(
    "%s: the line gets the server span of the request it names",
    async (name) => {
      const { lines, stream } = captureLines();
      const { exporter, processor } = memoryExporter();
      const app = FRAMEWORKS[name]({ logger: { mixin: traceLogFields, stream } });
      const handle = await instrumentApp(app, { exporter: "none", spanProcessors: [processor] });
      app.get("/detached", (_request, reply) => {
        context.with(ROOT_CONTEXT, () => setImmediate(() => void reply.send("done")));
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      running = {
        url: baseUrl(app.server),
        lines,
        handle,
        spans: async () => (await handle.forceFlush(), exporter.getFinishedSpans()),
        logOutside: () => undefined,
        close: async () => {
          await app.close();
          await handle.shutdown();
        },
      };
      expect(await (await fetch(`${running.url}/detached`)).text()).toBe("done");
      const server = (await running.spans()).find((span) => span.kind === SpanKind.SERVER);
      expect(idsOf(lines.find((l) => l.msg === "request completed"))).toEqual(idsOfSpan(server));
    },
  );
});
