/**
 * The server span of a Fastify request when framework spans are off (the default): three
 * instance hooks instead of `@fastify/otel` — which is kept for `frameworkSpans: true`, where its
 * hook and handler spans are the point. Per request this does what a trace must carry and no
 * more: the W3C context extracted from the headers (or the active one), one SERVER span named
 * by the route template with the HTTP attributes set in one go, that span active through the
 * handler (outbound calls become its children and carry `traceparent`), the status and any error
 * recorded, and the span ended when the reply is sent. Compared with `@fastify/otel` it skips
 * per-request `request.routeOptions` objects (Fastify builds a new one on every read), a
 * route-level `onSend` plus an instance `onResponse` hook on every request, and the second pass
 * that renamed and re-attributed its `request` span.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import {
  context,
  propagation,
  type Context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { fastifyRouteConfig } from "../kernel/fastify-route.js";
import { PACKAGE_NAME, warnOnce } from "../kernel/logger.js";
import { setServerSpan } from "../kernel/request-state.js";
import { tracingState } from "../tracing/state.js";

const SPAN = Symbol("crisislen.serverSpan");
const ERROR_RECORDED = Symbol("crisislen.serverSpanError");

interface RequestLike {
  raw: IncomingMessage;
  headers: IncomingMessage["headers"];
  protocol?: string;
  ip?: string;
  [SPAN]: Span | null;
  [ERROR_RECORDED]: boolean;
}
interface ReplyLike {
  statusCode: number;
  raw: ServerResponse;
  request: RequestLike;
  hijack(): ReplyLike;
}
type Done = (error?: Error | null, value?: unknown) => void;

/** The parts of a Fastify (4, 5) instance used here. */
export interface FastifyHooksLike {
  addHook(name: string, hook: (...args: never[]) => void): unknown;
  decorateRequest(name: symbol, value: unknown): unknown;
}

let cachedProvider: unknown;
let cachedTracer: Tracer | undefined;

/** Our tracer from the running provider, looked up again only when the provider changed. */
function tracer(): Tracer | undefined {
  const running = tracingState().running;
  if (running === undefined) return undefined;
  const provider = running.handle.tracerProvider;
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(PACKAGE_NAME);
  }
  return cachedTracer;
}

/** Starts the request's span; returns the context to run the rest of the request in. */
function startServerSpan(request: RequestLike): Context | undefined {
  const raw = request.raw;
  if (tracingState().settings.isIgnoredPath(raw.url)) return undefined;
  const config = fastifyRouteConfig(request) as { url?: string; otel?: unknown } | undefined;
  if (config?.otel === false) return undefined;
  const spans = tracer();
  if (spans === undefined) return undefined;
  let parent = context.active();
  if (trace.getSpan(parent) === undefined) parent = propagation.extract(parent, raw.headers);
  const method = raw.method ?? "GET";
  const route = config?.url;
  // What a sampler or span processor may key on is given at the start; the rest is set on the
  // started span, which costs one pass over it instead of the SDK's three (two sanitizing copies
  // and the span's own) — the same split @fastify/otel and our request hook had before.
  const span = spans.startSpan(
    route === undefined ? method : `${method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": method, "url.path": raw.url, "http.route": route },
    },
    parent,
  );
  span.setAttribute("url.scheme", request.protocol as string);
  span.setAttribute("client.address", request.ip as string);
  const userAgent = raw.headers["user-agent"];
  if (typeof userAgent === "string") span.setAttribute("user_agent.original", userAgent);
  span.setAttribute("network.protocol.version", raw.httpVersion);
  request[SPAN] = span;
  setServerSpan(raw, span);
  return trace.setSpan(parent, span);
}

/**
 * Adds the hooks to `app`. Hooks of the root instance apply to every route of the app, the
 * not-found handler included; tracing never breaks a request (a failure is logged once).
 */
export function addServerSpanHooks(app: FastifyHooksLike): void {
  app.decorateRequest(SPAN, null);
  app.decorateRequest(ERROR_RECORDED, false);
  app.addHook(
    "onRequest",
    function traceRequest(request: RequestLike, reply: ReplyLike, done: Done) {
      let active: Context | undefined;
      try {
        active = startServerSpan(request);
      } catch (error) {
        warnOnce(
          "fastify:server-span",
          "starting a server span failed; the request is not traced",
          error,
        );
      }
      if (active === undefined) return done();
      reply.hijack = hijackTraced;
      context.with(active, done);
    },
  );
  app.addHook(
    "onError",
    function recordRequestError(request: RequestLike, _reply: unknown, error: Error, done: Done) {
      const span = request[SPAN];
      if (span !== null) {
        request[ERROR_RECORDED] = true;
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.recordException(error);
      }
      done();
    },
  );
  app.addHook(
    "onSend",
    function endServerSpan(request: RequestLike, reply: ReplyLike, payload: unknown, done: Done) {
      endSpan(request, reply.statusCode);
      done(null, payload);
    },
  );
}

/**
 * `reply.hijack()` of a traced request. A hijacked reply (server-sent events, a proxy writing to
 * `reply.raw`) runs no onSend hook, so its span ends when the raw response closes, or the trace
 * would lose its root. Set on the reply rather than caught by an onResponse hook, which would
 * cost every request (~2,400 instructions, about half a microsecond).
 */
function hijackTraced(this: ReplyLike): ReplyLike {
  const request = this.request;
  if (request[SPAN] !== null) this.raw.once("close", () => endSpan(request, this.raw.statusCode));
  return (Object.getPrototypeOf(this) as ReplyLike).hijack.call(this);
}

/** Sets the status on the request's span and ends it, once. */
function endSpan(request: RequestLike, status: number): void {
  const span = request[SPAN];
  if (span === null) return;
  request[SPAN] = null;
  span.setAttribute("http.response.status_code", status);
  if (status >= 500 && !request[ERROR_RECORDED]) span.setStatus({ code: SpanStatusCode.ERROR });
  // A performance timestamp: the SDK converts it with the span's own clock offset, the same end
  // time it computes without one, in fewer steps.
  span.end(performance.now());
}
