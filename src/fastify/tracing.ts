/**
 * Fastify: `@fastify/otel` applied directly to the instance (its plugin function called
 * synchronously, as its own `registerOnInitialization` does), so it works whenever fastify was
 * imported. Its `request` span becomes the one server span of the request, renamed to the route
 * template (`GET /claims/:id`); hook and handler spans are opt-in (`frameworkSpans`). The http
 * instrumentation is bypassed for this server, or every request would get two spans.
 */
import type { IncomingMessage } from "node:http";
import type { Span } from "@opentelemetry/api";
import type { FastifyLike } from "../kernel/frameworks.js";
import { warnOnce } from "../kernel/logger.js";
import { packageRequire } from "../tracing/load.js";
import { fastifyRouteConfig } from "../kernel/fastify-route.js";
import { setServerSpan } from "../kernel/request-state.js";
import { tracingState } from "../tracing/state.js";
import { addServerSpanHooks, type FastifyHooksLike } from "./server-span.js";
import type * as FastifyOtelModule from "@fastify/otel";
import { sharedSymbol } from "../kernel/global-state.js";

const TRACED = sharedSymbol("traced-app");

interface FastifyRequestLike {
  method: string;
  routeOptions?: { url?: string };
  protocol?: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  raw: IncomingMessage;
}

function nameServerSpan(span: Span, request: FastifyRequestLike): void {
  const route = fastifyRouteConfig(request)?.url;
  span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
  const protocol = request.protocol;
  if (protocol) span.setAttribute("url.scheme", protocol);
  const ip = request.ip;
  if (ip) span.setAttribute("client.address", ip);
  const ua = request.headers["user-agent"];
  if (typeof ua === "string") span.setAttribute("user_agent.original", ua);
  span.setAttribute("network.protocol.version", request.raw.httpVersion);
  setServerSpan(request.raw, span);
}

type FastifyOtel = FastifyOtelModule.FastifyOtelInstrumentation;

function fastifyInstrumentation(frameworkSpans: boolean): FastifyOtel {
  const state = tracingState();
  const key = `fastify:${frameworkSpans}`;
  let instrumentation = state.instrumentations.get(key) as FastifyOtel | undefined;
  if (instrumentation === undefined) {
    const { FastifyOtelInstrumentation } = packageRequire()(
      "@fastify/otel",
    ) as typeof FastifyOtelModule;
    instrumentation = new FastifyOtelInstrumentation({
      instrumentHooks: frameworkSpans,
      instrumentHandler: frameworkSpans,
      ignorePaths: (opts: { url: string }) => state.settings.isIgnoredPath(opts.url),
      requestHook: nameServerSpan as never,
    } as never);
    const provider = state.running?.handle.tracerProvider;
    if (provider) instrumentation.setTracerProvider(provider);
    state.instrumentations.set(key, instrumentation);
  }
  return instrumentation;
}

/** Un-instruments `server` for the http instrumentation only: its patch lives on the prototype. */
function bypassHttpServerSpans(server: FastifyLike["server"]): void {
  const emit = server?.emit as ((...args: unknown[]) => boolean) & {
    __original?: typeof emit;
    __wrapped?: boolean;
  };
  if (server && emit?.__wrapped === true && typeof emit.__original === "function")
    server.emit = emit.__original;
}

/** Instruments `app`; `release` is called from its `onClose`. */
export function instrumentFastify(
  app: FastifyLike,
  frameworkSpans: boolean,
  release: () => Promise<void>,
): void {
  const marked = app as unknown as Record<symbol, unknown>;
  if (marked[TRACED] === true) return;
  marked[TRACED] = true;
  if (app.hasPlugin?.("@fastify/otel") === true) {
    warnOnce(
      "fastify:own-otel",
      "@fastify/otel is already registered on this instance; instrumentApp leaves it as is",
    );
  } else {
    let routes = "";
    try {
      routes = app.printRoutes?.() ?? "";
    } catch {
      // older instance without a router to print
    }
    // "└── /a (GET, HEAD)"; an empty router prints "(empty tree)".
    if (/\([A-Z]+[,)]/.test(routes)) {
      warnOnce(
        "fastify:late",
        "instrumentApp(app) was called after routes were defined; hooks added before it run outside the request's server span, and with frameworkSpans those routes get no hook or handler spans. Call `await instrumentApp(app)` right after creating the instance.",
      );
    }
    bypassHttpServerSpans(app.server);
    if (!frameworkSpans) {
      addServerSpanHooks(app as unknown as FastifyHooksLike);
      (app.addHook as (name: "onClose", hook: () => Promise<void>) => unknown)("onClose", release);
      return;
    }
    const plugin = fastifyInstrumentation(frameworkSpans).plugin() as unknown as (
      instance: unknown,
      opts: object,
      done: (error?: Error) => void,
    ) => void;
    plugin(app, {}, (error) => {
      if (error) throw error;
    });
  }
  (app.addHook as (name: "onClose", hook: () => Promise<void>) => unknown)("onClose", release);
}
