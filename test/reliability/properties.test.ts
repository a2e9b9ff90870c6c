/**
 * Property-based tests (fast-check):
 * - the Express endpoint label, for generated router trees (routers and sub-apps, parameters in
 *   mount paths and routes, a router mounted at two prefixes) on Express 5 and 4: always the
 *   full template of the route that answered, never a query string or a concrete id, bounded;
 * - `traceFunction`, for any sync, async, throwing or rejecting function used as a wrapper or a
 *   decorator, with and without a tracer provider: result, error identity, `this`, arguments,
 *   `name` and `length` are kept, and the span ends once with the right status.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import express5 from "express";
import express4 from "express4";
import fc from "fast-check";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsMiddleware } from "../../src/express/metrics.js";
import { UNMATCHED_ENDPOINT } from "../../src/metrics/catalogue.js";
import { traceFunction } from "../../src/tracing/trace-function.js";
import { close, listen } from "../support/http-client.js";
import { send } from "./support.js";

// ---- the Express endpoint label ----------------------------------------------------------

type Segment = { static: string } | { param: string };
interface Tree {
  /** One mount path, or two (the same router reachable through both prefixes). */
  mounts: Segment[][];
  subApp: boolean;
  routes: Segment[][];
  children: Tree[];
}

const segment: fc.Arbitrary<Segment> = fc.oneof(
  fc.stringMatching(/^[a-z]{1,6}$/).map((s) => ({ static: s })),
  fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,5}$/).map((p) => ({ param: p })),
);

const tree = (depth: number): fc.Arbitrary<Tree> =>
  fc.record({
    mounts: fc.array(fc.array(segment, { maxLength: 2 }), { minLength: 1, maxLength: 2 }),
    subApp: fc.boolean(),
    routes: fc.array(fc.array(segment, { maxLength: 3 }), { maxLength: 3 }),
    children: depth === 0 ? fc.constant([]) : fc.array(tree(depth - 1), { maxLength: 2 }),
  });

/**
 * Makes every path unambiguous: each mount and route starts with its own static segment, and
 * parameter names are unique within a path, so exactly one route can answer each request.
 * A sub-app keeps a single mount (Express gives a sub-app one `mountpath`; see below).
 */
function normalize(root: Tree): Tree {
  let n = 0;
  const fix = (segments: Segment[], prefix: string): Segment[] => [
    { static: `${prefix}${n++}` },
    ...segments.map((s) => ("param" in s ? { param: `${s.param}${n++}` } : s)),
  ];
  const walk = (node: Tree, parentIsApp: boolean): Tree => {
    // A sub-app only under an app: under a Router its mount prefixes are lost (the it.fails below).
    const subApp = node.subApp && parentIsApp;
    return {
      mounts: (subApp ? node.mounts.slice(0, 1) : node.mounts).map((m) => fix(m, "m")),
      subApp,
      routes: node.routes.map((r) => fix(r, "r")),
      children: node.children.map((child) => walk(child, subApp)),
    };
  };
  return { ...walk({ ...root, subApp: true }, true), mounts: [[]] };
}

const pathOf = (segments: Segment[]): string =>
  `/${segments.map((s) => ("param" in s ? `:${s.param}` : s.static)).join("/")}`;

type ExpressLike = typeof express5;
/** What build() needs of an app or a router (Express 4 and 5 typings differ). */
interface Mountable {
  get(path: string, handler: (req: unknown, res: { send(body: string): void }) => void): unknown;
  use(path: string, child: unknown): unknown;
}

function build(express: ExpressLike, node: Tree, into: Mountable): void {
  for (const route of node.routes) {
    into.get(pathOf(route), (_req, res) => void res.send("ok"));
  }
  for (const child of node.children) {
    const router = (child.subApp ? express() : express.Router()) as unknown as Mountable;
    build(express, child, router);
    for (const mount of child.mounts) into.use(pathOf(mount), router);
  }
}

interface Probe {
  url: string;
  expected: string;
  ids: string[];
  secret: string;
}

/** Every (mount choice, route) pair of the tree as a concrete request and its expected label. */
function probes(root: Tree, ids: string[], secret: string): Probe[] {
  const out: Probe[] = [];
  let next = 0;
  const id = (): string => ids[next++ % ids.length]!;
  const walk = (node: Tree, template: Segment[]): void => {
    for (const route of node.routes) {
      const segments = [...template, ...route];
      const used: string[] = [];
      const concrete = segments.map((s) => {
        if ("static" in s) return s.static;
        const value = id();
        used.push(value);
        return value;
      });
      out.push({
        url: `/${concrete.join("/")}?q=${encodeURIComponent(ids[0]!)}&password=${secret}`,
        expected: pathOf(segments),
        ids: used,
        secret,
      });
    }
    for (const child of node.children) {
      for (const mount of child.mounts) walk(child, [...template, ...mount]);
    }
  };
  walk(root, []);
  return out;
}

describe.each([
  ["Express 5", express5],
  ["Express 4", express4 as unknown as ExpressLike],
])("expressRouteTemplate on generated router trees (%s)", (_name, express) => {
  let server: http.Server;
  let port: number;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  beforeAll(async () => {
    server = http.createServer((req, res) => handler(req, res));
    port = await listen(server);
  });
  afterAll(() => close(server));

  it("labels every request with its route's full template: no query, no concrete id, bounded", async () => {
    const id = fc.oneof(
      fc.nat({ max: 10_000_000 }).map(String),
      fc.uuid(),
      fc.stringMatching(/^[A-Z0-9]{4,12}$/).filter((s) => /\d/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(
        tree(2).map(normalize),
        fc.array(id, { minLength: 1, maxLength: 8 }),
        fc.stringMatching(/^[a-zA-Z0-9]{6,16}$/),
        async (root, ids, secret) => {
          const registry = new Registry();
          const app = express();
          app.use(metricsMiddleware({ registry }));
          build(express, root, app as unknown as Mountable);
          handler = app as unknown as typeof handler;
          const cases = probes(root, ids, `S3cr3t${secret}`);
          for (const probe of cases) expect(await send(port, probe.url)).toBe(200);
          expect(await send(port, `/nope/${ids[0]}?password=${secret}`)).toBe(404);

          const counter = (await registry.getSingleMetric("http_requests_total")!.get()).values;
          const labels = counter.map((v) => String(v.labels.endpoint));
          const expected = new Map<string, number>([[UNMATCHED_ENDPOINT, 1]]);
          for (const probe of cases) {
            expected.set(probe.expected, (expected.get(probe.expected) ?? 0) + 1);
          }
          expect(new Map(counter.map((v) => [String(v.labels.endpoint), v.value]))).toEqual(
            expected,
          );
          for (const label of labels) {
            expect(label).not.toMatch(/[?#&=]/);
            expect(label).not.toContain("S3cr3t");
            // Bounded: never longer than the longest template the app defines.
            expect(label.length).toBeLessThanOrEqual(
              Math.max(UNMATCHED_ENDPOINT.length, ...cases.map((c) => c.expected.length)),
            );
          }
          for (const probe of cases) {
            const segments = probe.expected.split("/");
            for (const value of probe.ids) expect(segments).not.toContain(value);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe.each([
  ["Express 5", express5],
  ["Express 4", express4 as unknown as ExpressLike],
])("expressRouteTemplate, found by the property above (%s)", (_name, express) => {
  // Express sets `mountpath`/`parent` only when an *app* mounts a sub-app; a sub-app mounted on a
  // Router is found by walking the mounting app's router tree.
  it("keeps the mount prefixes of a sub-app mounted on a Router", async () => {
    const registry = new Registry();
    const app = express();
    app.use(metricsMiddleware({ registry }));
    const router = express.Router();
    const sub = express();
    sub.get("/r3", (_req, res) => void res.send("ok"));
    router.use("/m2", sub);
    app.use("/m1", router);
    const server = http.createServer(app as unknown as http.RequestListener);
    const port = await listen(server);
    try {
      expect(await send(port, "/m1/m2/r3")).toBe(200);
      const counter = (await registry.getSingleMetric("http_requests_total")!.get()).values;
      expect(counter.map((v) => v.labels.endpoint)).toEqual(["/m1/m2/r3"]);
    } finally {
      await close(server);
    }
  });
});

// ---- traceFunction ------------------------------------------------------------------------

type Behaviour = "return" | "throw" | "resolve" | "reject";
type Mode = "wrapper" | "standard decorator" | "legacy decorator";

/** A function of the given arity that records its `this` and arguments, then behaves. */
function makeFunction(
  arity: number,
  behaviour: Behaviour,
  value: unknown,
  seen: { self?: unknown; args?: unknown[] },
): (...args: unknown[]) => unknown {
  const body = function (this: unknown, ...args: unknown[]): unknown {
    seen.self = this;
    seen.args = args;
    switch (behaviour) {
      case "return":
        return value;
      case "throw":
        throw value;
      case "resolve":
        return Promise.resolve(value);
      case "reject":
        return Promise.reject(value as Error);
    }
  };
  Object.defineProperty(body, "length", { value: arity });
  return body;
}

function applyTrace(
  mode: Mode,
  name: string,
  fn: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  const decorator = traceFunction("prop_span") as unknown as (...a: unknown[]) => unknown;
  if (mode === "wrapper") return decorator(fn) as typeof fn;
  if (mode === "standard decorator") {
    return decorator(fn, { kind: "method", name, static: false, private: false }) as typeof fn;
  }
  const descriptor: PropertyDescriptor = { value: fn, writable: true, configurable: true };
  return (decorator({}, name, descriptor) as PropertyDescriptor).value as typeof fn;
}

const behaviourCase = fc.record({
  behaviour: fc.constantFrom<Behaviour>("return", "throw", "resolve", "reject"),
  mode: fc.constantFrom<Mode>("wrapper", "standard decorator", "legacy decorator"),
  // Promises and thenables are left out of the value: a returned thenable is a separate case.
  value: fc
    .anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true })
    .filter((v) => typeof (v as { then?: unknown } | null)?.then !== "function"),
  arity: fc.nat({ max: 6 }),
  name: fc.string({ maxLength: 20 }),
  self: fc.oneof(fc.object(), fc.constant(undefined)),
  args: fc.array(fc.anything(), { maxLength: 6 }),
});

async function checkCase(
  input: typeof behaviourCase extends fc.Arbitrary<infer T> ? T : never,
  exporter: InMemorySpanExporter | undefined,
): Promise<void> {
  const { behaviour, mode, value, arity, name, self, args } = input;
  const seen: { self?: unknown; args?: unknown[] } = {};
  const original = makeFunction(arity, behaviour, value, seen);
  Object.defineProperty(original, "name", { value: name });
  const traced = applyTrace(mode, name, original);
  exporter?.reset();

  expect(traced.name).toBe(name);
  expect(traced.length).toBe(arity);

  let outcome: { kind: "value" | "error"; value: unknown; sync: boolean };
  try {
    const result = traced.apply(self, args);
    if (behaviour === "resolve" || behaviour === "reject") {
      expect(result).toBeInstanceOf(Promise);
      try {
        outcome = { kind: "value", value: await result, sync: false };
      } catch (error) {
        outcome = { kind: "error", value: error, sync: false };
      }
    } else {
      outcome = { kind: "value", value: result, sync: true };
    }
  } catch (error) {
    outcome = { kind: "error", value: error, sync: true };
  }
  const failed = behaviour === "throw" || behaviour === "reject";
  expect(outcome.kind).toBe(failed ? "error" : "value");
  expect(Object.is(outcome.value, value)).toBe(true);
  expect(outcome.sync).toBe(behaviour === "return" || behaviour === "throw");
  expect(Object.is(seen.self, self)).toBe(true);
  expect(seen.args).toHaveLength(args.length);
  seen.args!.forEach((arg, i) => expect(Object.is(arg, args[i])).toBe(true));

  if (exporter) {
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe("prop_span");
    expect(spans[0]!.status.code).toBe(failed ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
    expect(spans[0]!.events.map((e) => e.name)).toEqual(failed ? ["exception"] : []);
  }
}

describe("traceFunction keeps any function's behaviour", () => {
  it("without a tracer provider (no-op path)", async () => {
    await fc.assert(
      fc.asyncProperty(behaviourCase, (input) => checkCase(input, undefined)),
      { numRuns: 300 },
    );
  });

  it("with a tracer provider: one span per call, ERROR exactly when it throws or rejects", async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    try {
      await fc.assert(
        fc.asyncProperty(behaviourCase, (input) => checkCase(input, exporter)),
        { numRuns: 300 },
      );
    } finally {
      trace.disable();
    }
  });
});

describe("traceFunction, cases the property found (fixed in src/tracing/trace-function.ts)", () => {
  it("rethrows a null-prototype object unchanged and records '' and [] as exception events", async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    try {
      const bare = Object.create(null) as object;
      const hostile = {
        toString() {
          throw new Error("toString exploded");
        },
      };
      for (const thrown of [bare, hostile, "", []]) {
        exporter.reset();
        const fn = traceFunction("odd")(() => {
          throw thrown;
        });
        let caught: unknown;
        try {
          fn();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBe(thrown);
        const [span] = exporter.getFinishedSpans();
        expect(span!.status.code).toBe(SpanStatusCode.ERROR);
        expect(span!.events.map((e) => e.name)).toEqual(["exception"]);
      }
      const rejected = Object.create(null) as object;
      await expect(traceFunction("odd")(() => Promise.reject(rejected as Error))()).rejects.toBe(
        rejected,
      );
    } finally {
      trace.disable();
    }
  });
});
