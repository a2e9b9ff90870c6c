/**
 * Security defaults, end to end on Fastify 5 and Express 5 with metrics and tracing on:
 * - no query string, userinfo or header value ever reaches a metric label (text or OpenMetrics,
 *   exemplars included) or a span name, whatever the request looks like;
 * - URL attributes on spans have userinfo and sensitive query values redacted, unless the user
 *   opts out with `redactQueryParams: false`;
 * - the token-guarded /metrics compares digests with `timingSafeEqual`, and every wrong token —
 *   any length, any shared prefix — gets the same 401.
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { metricsPlugin } from "../../src/fastify/metrics.js";
import { metricsHandler } from "../../src/exposition/handler.js";
import { startMetricsServer } from "../../src/exposition/metrics-server.js";
import { instrumentApp } from "../../src/tracing/instrument-app.js";
import type { TracingHandle } from "../../src/tracing/options.js";
import { close, eventually, request } from "../support/http-client.js";
import { memoryExporter } from "../tracing/helpers.js";
import { captureProcessErrors, rawRequest, send, statusOf } from "./support.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

interface Target {
  name: string;
  port: number;
  registry: Registry;
}

/** Markers: where each may legitimately appear. */
const QUERY = "QUERYMARK"; // sensitive query values: nowhere but redacted
const HEADER = "HEADERMARK"; // header values: nowhere
const USER = "USERMARK"; // userinfo: nowhere
const PATH = "PATHMARK"; // concrete path segments: URL attributes only, never a label or a span name

/** Requests a scanner or a careless client might send, as raw HTTP/1.1 bytes. */
function hostileRequests(port: number): Array<[string, string]> {
  const host = `Host: 127.0.0.1:${port}\r\nConnection: close\r\n`;
  return [
    [
      "sensitive query parameters",
      `GET /claims/${PATH}1?password=${QUERY}1&token=${QUERY}2&api_key=${QUERY}3&page=2 HTTP/1.1\r\n${host}\r\n`,
    ],
    [
      "more sensitive names",
      `GET /claims/${PATH}2?access_token=${QUERY}4&X-Amz-Signature=${QUERY}5&sessionId=${QUERY}6&client_secret=${QUERY}7 HTTP/1.1\r\n${host}\r\n`,
    ],
    ["unmatched path with a query", `GET /nope/${PATH}3?secret=${QUERY}8 HTTP/1.1\r\n${host}\r\n`],
    [
      "an encoded ? inside a path segment",
      `GET /claims/${PATH}4%3Fpassword%3D${PATH}5 HTTP/1.1\r\n${host}\r\n`,
    ],
    [
      "credential headers",
      `GET /claims/${PATH}6 HTTP/1.1\r\n${host}Authorization: Bearer ${HEADER}1\r\nCookie: session=${HEADER}2\r\nX-Api-Key: ${HEADER}3\r\nProxy-Authorization: Basic ${HEADER}4\r\n\r\n`,
    ],
    [
      "absolute-form URL with userinfo",
      `GET http://alice:${USER}1@127.0.0.1:${port}/claims/${PATH}7?password=${QUERY}9 HTTP/1.1\r\n${host}\r\n`,
    ],
    [
      "absolute-form URL with userinfo, unmatched",
      `GET http://bob:${USER}2@127.0.0.1:${port}/nope?token=${QUERY}10 HTTP/1.1\r\n${host}\r\n`,
    ],
  ];
}

function startFastifyApp(
  registry: Registry,
  handle: (app: FastifyInstance) => Promise<TracingHandle>,
): Promise<{ app: FastifyInstance; handle: TracingHandle; port: number }> {
  return (async () => {
    const app = Fastify();
    const tracing = await handle(app);
    await app.register(metricsPlugin, { registry });
    app.get("/claims/:id", async (req) => ({ id: (req.params as { id: string }).id }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { app, handle: tracing, port: (app.server.address() as AddressInfo).port };
  })();
}

const attributeText = (span: ReadableSpan): string => JSON.stringify(span.attributes);
const URL_KEYS = ["url.path", "url.full", "http.target", "http.url", "url.original"];

describe("no secret reaches a label or a span name; URL attributes are redacted", () => {
  const { exporter, processor } = memoryExporter();
  let handle: TracingHandle;
  let fastify: FastifyInstance;
  let server: Server;
  const targets: Target[] = [];
  let captured: ReturnType<typeof captureProcessErrors>;

  beforeAll(async () => {
    captured = captureProcessErrors();
    const fastifyRegistry = new Registry();
    const started = await startFastifyApp(fastifyRegistry, (app) =>
      instrumentApp(app, { exporter: "none", spanProcessors: [processor] }),
    );
    fastify = started.app;
    handle = started.handle;
    targets.push({ name: "Fastify 5", port: started.port, registry: fastifyRegistry });

    const expressRegistry = new Registry();
    const app = express();
    await instrumentApp(app);
    app.use(metricsMiddleware({ registry: expressRegistry }));
    app.get("/metrics", metricsHandler({ registry: expressRegistry }));
    app.get("/claims/:id", (req, res) => void res.json({ id: req.params.id }));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    targets.push({
      name: "Express 5",
      port: (server.address() as AddressInfo).port,
      registry: expressRegistry,
    });

    for (const target of targets) {
      for (const [what, bytes] of hostileRequests(target.port)) {
        const status = statusOf(await rawRequest(target.port, bytes));
        expect([200, 404], `${target.name}: ${what}`).toContain(status);
      }
    }
    await handle.forceFlush();
  });

  afterAll(async () => {
    captured.restore();
    await fastify.close();
    await close(server);
    await handle.shutdown();
  });

  it("keeps every marker out of both expositions (Prometheus text and OpenMetrics with exemplars)", async () => {
    for (const target of targets) {
      for (const accept of ["text/plain", "application/openmetrics-text"]) {
        const reply = await request(target.port, "/metrics", { headers: { accept } });
        expect(reply.status).toBe(200);
        const endpoints = [...reply.body.matchAll(/endpoint="([^"]*)"/g)].map((m) => m[1]);
        expect(new Set(endpoints), `${target.name} ${accept}`).toEqual(
          new Set(["/claims/:id", "__unmatched__"]),
        );
        expect(reply.body).not.toMatch(/MARK|alice|bob|Bearer|session=/);
      }
    }
    expect(captured.errors).toEqual([]);
  });

  it("keeps every marker and every query out of span names", () => {
    const servers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.length).toBe(targets.length * hostileRequests(0).length);
    for (const span of servers) {
      expect(span.name).not.toMatch(/MARK|\?|alice|bob/);
      expect(["GET /claims/:id", "GET"]).toContain(span.name);
    }
  });

  it("never records a header value or userinfo in any attribute, and redacts sensitive query values", () => {
    const spans = exporter.getFinishedSpans();
    for (const span of spans) {
      const text = attributeText(span);
      expect(text, span.name).not.toContain(HEADER);
      expect(text, span.name).not.toContain(USER);
      expect(text, span.name).not.toContain(QUERY);
      // Concrete path segments appear in URL attributes only.
      for (const [key, value] of Object.entries(span.attributes)) {
        if (String(value).includes(PATH)) expect(URL_KEYS, key).toContain(key);
      }
    }
    const queries = spans
      .map((s) => s.attributes["url.query"])
      .filter((q): q is string => typeof q === "string" && q !== "");
    expect(queries).toContain("password=REDACTED&token=REDACTED&api_key=REDACTED&page=2");
    expect(queries).toContain(
      "access_token=REDACTED&X-Amz-Signature=REDACTED&sessionId=REDACTED&client_secret=REDACTED",
    );
  });
});

describe("redactQueryParams: false (opt-out)", () => {
  it("keeps query values in URL attributes, but still out of span names and metric labels", async () => {
    const { exporter, processor } = memoryExporter();
    const registry = new Registry();
    const { app, handle, port } = await startFastifyApp(registry, (fastify) =>
      instrumentApp(fastify, {
        exporter: "none",
        spanProcessors: [processor],
        redactQueryParams: false,
      }),
    );
    try {
      expect(await send(port, `/claims/7?password=${QUERY}&page=2`, { agent: false })).toBe(200);
      await eventually(() => exporter.getFinishedSpans().length > 0);
      const [span] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
      expect(span!.name).toBe("GET /claims/:id");
      expect(span!.attributes["url.query"]).toBe(`password=${QUERY}&page=2`);
      const text = (await request(port, "/metrics")).body;
      expect(text).not.toContain(QUERY);
    } finally {
      await app.close();
      await handle.shutdown();
    }
  });
});

describe("the token-guarded exposition", () => {
  const TOKEN = "s3cret-metrics-token-0123456789";
  const wrong = [
    undefined,
    "",
    "Bearer",
    "Bearer ",
    `Bearer ${TOKEN.slice(0, 1)}`,
    `Bearer ${TOKEN.slice(0, -1)}`, // every byte but the last
    `Bearer ${TOKEN}x`, // one byte too many
    `Bearer ${TOKEN.slice(0, -1)}X`, // same length, last byte differs
    `Bearer X${TOKEN.slice(1)}`, // same length, first byte differs
    `Bearer ${TOKEN.toUpperCase()}`,
    `bearer ${TOKEN}`,
    `Basic ${TOKEN}`,
    TOKEN,
    `Bearer ${TOKEN}${"A".repeat(8000)}`,
    `Bearer ${"\u00e9".repeat(TOKEN.length)}`,
  ];

  it("compares SHA-256 digests of the header and the expected value with timingSafeEqual", () => {
    const source = readFileSync(path.join(ROOT, "src/exposition/handler.ts"), "utf8");
    expect(source).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from "node:crypto"/);
    expect(source).toMatch(/createHash\("sha256"\)\.update\(value\)\.digest\(\)/);
    expect(source).toMatch(/digest\(`Bearer \$\{token\}`\)/);
    expect(source).toMatch(/timingSafeEqual\(digest\(given\), expected\)/);
    // No early-exit comparison of the raw strings anywhere.
    expect(source).not.toMatch(/given ===|=== given|given\.startsWith|authorization ===/);
  });

  const guarded: Array<[string, () => Promise<{ port: number; stop: () => Promise<void> }>]> = [
    [
      "metricsPlugin (Fastify 5)",
      async () => {
        const app = Fastify();
        await app.register(metricsPlugin, { registry: new Registry(), token: TOKEN });
        await app.listen({ port: 0, host: "127.0.0.1" });
        return { port: (app.server.address() as AddressInfo).port, stop: () => app.close() };
      },
    ],
    [
      "metricsHandler (Express 5)",
      async () => {
        const app = express();
        app.get("/metrics", metricsHandler({ registry: new Registry(), token: TOKEN }));
        const server = app.listen(0, "127.0.0.1");
        await new Promise((resolve) => server.once("listening", resolve));
        return { port: (server.address() as AddressInfo).port, stop: () => close(server) };
      },
    ],
    [
      "startMetricsServer",
      async () => {
        const server = await startMetricsServer({
          port: 0,
          host: "127.0.0.1",
          registry: new Registry(),
          token: TOKEN,
        });
        return { port: (server.address() as AddressInfo).port, stop: () => close(server) };
      },
    ],
  ];

  for (const [name, start] of guarded) {
    it(`${name}: the right token gets 200, every wrong one the same 401 without echoing it`, async () => {
      const { port, stop } = await start();
      try {
        const ok = await request(port, "/metrics", {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(ok.status).toBe(200);
        const answers = new Set<string>();
        for (const authorization of wrong) {
          const reply = await request(port, "/metrics", {
            headers: authorization === undefined ? {} : { authorization },
          });
          expect(reply.status, String(authorization).slice(0, 60)).toBe(401);
          expect(reply.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
          expect(reply.body).not.toContain(TOKEN.slice(0, 8));
          answers.add(`${reply.status} ${reply.body}`);
        }
        expect(answers.size).toBe(1);
      } finally {
        await stop();
      }
    });
  }
});
