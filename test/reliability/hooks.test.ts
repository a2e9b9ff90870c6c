/**
 * User-supplied hooks that throw or hang — Express `skip`, readiness checks, `traceFunction`'s
 * `attributes`, a custom prom-client collector, the user's own logger — never change the
 * request they run in, and each failure is logged once, not once per request.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import http from "node:http";
import { trace } from "@opentelemetry/api";
import { Gauge } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { healthHandler } from "../../src/express/health.js";
import { healthPlugin } from "../../src/fastify/health.js";
import { setLogger } from "../../src/kernel/logger.js";
import { traceFunction } from "../../src/tracing/trace-function.js";
import { select } from "../support/exposition.js";
import { request } from "../support/http-client.js";
import {
  captureLog,
  captureProcessErrors,
  pool,
  requestsTotal,
  send,
  startExpress,
  startFastify,
  type TestApp,
} from "./support.js";

const REQUESTS = 50;

let running: TestApp | undefined;
let captured: ReturnType<typeof captureProcessErrors> | undefined;
let log: ReturnType<typeof captureLog> | undefined;
afterEach(async () => {
  captured?.restore();
  log?.restore();
  await running?.close();
  running = captured = log = undefined;
});

function setup(): { errors: unknown[]; lines: string[] } {
  captured = captureProcessErrors();
  log = captureLog();
  return { errors: captured.errors, lines: log.lines };
}

const matching = (lines: string[], text: string): string[] => lines.filter((l) => l.includes(text));

describe("Express skip option", () => {
  it(`throws on every request: ${REQUESTS} requests answered and counted, one log line`, async () => {
    const { errors, lines } = setup();
    const app = (running = await startExpress({
      skip: () => {
        throw new Error("skip exploded");
      },
    }));
    const replies = await pool(REQUESTS, 8, (i) => request(app.port, `/claims/${i}`));
    expect(replies.map((r) => r.status)).toEqual(Array(REQUESTS).fill(200));
    expect(replies.map((r) => JSON.parse(r.body) as unknown)).toEqual(
      Array.from({ length: REQUESTS }, (_, i) => ({ id: String(i) })),
    );
    expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
    expect(matching(lines, "skip option threw")).toEqual([
      "@crisislen/observability: the skip option threw; the request is counted (Error: skip exploded)",
    ]);
    expect(errors).toEqual([]);
  });

  it("throws a non-Error value: still counted and logged once", async () => {
    const { errors, lines } = setup();
    const app = (running = await startExpress({
      skip: () => {
        throw undefined;
      },
    }));
    await pool(REQUESTS, 8, (i) => send(app.port, `/claims/${i}`));
    expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
    expect(matching(lines, "skip option threw")).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("with a logger that itself throws: the request is still unaffected", async () => {
    const { errors } = setup();
    setLogger({
      warn: () => {
        throw new Error("logger exploded");
      },
      error: () => {
        throw new Error("logger exploded");
      },
    });
    const app = (running = await startExpress({
      skip: () => {
        throw new Error("skip exploded");
      },
    }));
    const statuses = await pool(REQUESTS, 8, (i) => send(app.port, `/claims/${i}`));
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
    expect(errors).toEqual([]);
  });
});

describe.each([
  ["Fastify 5", startFastify as unknown as typeof startExpress],
  ["Express 5", startExpress],
])("extraLabels functions on %s", (_name, start) => {
  it(`that throw, return an object or a never-settling promise: ${REQUESTS} requests unaffected, __error__, one log line each`, async () => {
    const { errors, lines } = setup();
    const app = (running = await start({
      extraLabels: {
        thrower: () => {
          throw new Error("label exploded");
        },
        objecty: () => ({ not: "a string" }) as unknown as string,
        hanger: () => new Promise<string>(() => undefined) as unknown as string,
      },
    }));
    const replies = await pool(REQUESTS, 8, (i) => request(app.port, `/claims/${i}`));
    expect(replies.map((r) => r.status)).toEqual(Array(REQUESTS).fill(200));
    expect(replies.map((r) => JSON.parse(r.body) as unknown)).toEqual(
      Array.from({ length: REQUESTS }, (_, i) => ({ id: String(i) })),
    );
    expect(select(await app.scrape(), "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: {
          method: "GET",
          endpoint: "/claims/:id",
          status: "200",
          thrower: "__error__",
          objecty: "__error__",
          hanger: "__error__",
        },
        value: REQUESTS,
      },
    ]);
    expect(matching(lines, "extraLabels.thrower threw")).toHaveLength(1);
    expect(matching(lines, "extraLabels.objecty returned object")).toHaveLength(1);
    expect(matching(lines, "extraLabels.hanger returned object")).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("that return a new value per request: capped at maxLabelValues, the rest __other__, logged once", async () => {
    const { errors, lines } = setup();
    let n = 0;
    const app = (running = await start({
      maxLabelValues: 10,
      extraLabels: { user: () => `user-${n++}` },
    }));
    await pool(REQUESTS * 4, 8, (i) => send(app.port, `/claims/${i}`));
    const counters = select(await app.scrape(), "http_requests_total");
    expect(counters).toHaveLength(11);
    expect(counters.filter((s) => s.labels.user === "__other__")[0]?.value).toBe(REQUESTS * 4 - 10);
    expect(requestsTotal(await app.scrape())).toBe(REQUESTS * 4);
    expect(matching(lines, "reached maxLabelValues")).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe("readiness checks", () => {
  const checks = {
    throws: () => {
      throw new Error("db exploded");
    },
    rejects: () => Promise.reject(new Error("cache exploded")),
    hangs: () => new Promise<boolean>(() => undefined),
    fine: () => true,
  };
  const expectedChecks = {
    throws: { status: "fail", error: "threw (details in the service log)" },
    rejects: { status: "fail", error: "threw (details in the service log)" },
    hangs: { status: "timeout" },
    fine: { status: "ok" },
  };

  async function probeMany(app: TestApp, lines: string[], errors: unknown[]) {
    // Application traffic runs alongside the probes and must not notice them.
    const traffic = pool(REQUESTS, 4, (i) => send(app.port, `/claims/${i}`));
    const probes: Array<{ status: number; ms: number; body: string }> = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const reply = await request(app.port, "/health/ready");
      probes.push({ status: reply.status, ms: performance.now() - t, body: reply.body });
    }
    expect(await traffic).toEqual(Array(REQUESTS).fill(200));
    expect(probes.map((p) => p.status)).toEqual(Array(10).fill(503));
    for (const probe of probes) {
      expect(JSON.parse(probe.body)).toMatchObject({
        status: "unavailable",
        checks: expectedChecks,
      });
      // Bounded by the 100 ms check timeout (the hung check is reported at once afterwards).
      expect(probe.ms).toBeLessThan(1000);
    }
    // Only application requests are counted, health probes are not.
    expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
    for (const name of ["throws", "rejects", "hangs"]) {
      expect(matching(lines, `readiness check "${name}"`), name).toHaveLength(1);
    }
    expect(matching(lines, `readiness check "fine"`)).toEqual([]);
    expect(errors).toEqual([]);
    return probes;
  }

  it("that throw, reject or hang on Fastify 5: 503 within the bound, traffic unaffected, each logged once", async () => {
    const { errors, lines } = setup();
    const app = (running = await startFastify({}, async (fastify) => {
      await fastify.register(healthPlugin, { checks, checkTimeoutMs: 100 });
    }));
    const probes = await probeMany(app, lines, errors);
    console.log(
      `[hooks Fastify 5] readiness probe with a hung check: first ${probes[0]!.ms.toFixed(0)} ms, then max ${Math.max(...probes.slice(1).map((p) => p.ms)).toFixed(0)} ms`,
    );
  });

  it("that throw, reject or hang on Express 5: 503 within the bound, traffic unaffected, each logged once", async () => {
    const { errors, lines } = setup();
    const app = (running = await startExpress({}, (express) => {
      express.use(healthHandler({ checks, checkTimeoutMs: 100 }));
    }));
    await probeMany(app, lines, errors);
  });
});

describe("traceFunction attributes", () => {
  it(`throws on every call: ${REQUESTS} calls keep their result, the span is still recorded, one log line`, async () => {
    const { errors, lines } = setup();
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    try {
      const double = traceFunction("double", {
        attributes: () => {
          throw new Error("attributes exploded");
        },
      })(function double(n: number) {
        return n * 2;
      });
      const asyncDouble = traceFunction("async_double", {
        attributes: () => {
          throw new Error("attributes exploded");
        },
      })(async (n: number) => n * 2);
      for (let i = 0; i < REQUESTS; i++) {
        expect(double(i)).toBe(i * 2);
        expect(await asyncDouble(i)).toBe(i * 2);
      }
      expect(exporter.getFinishedSpans()).toHaveLength(REQUESTS * 2);
      expect(matching(lines, "attributes function")).toEqual([
        '@crisislen/observability: the attributes function of traceFunction("double") threw (Error: attributes exploded)',
        '@crisislen/observability: the attributes function of traceFunction("async_double") threw (Error: attributes exploded)',
      ]);
      expect(errors).toEqual([]);
    } finally {
      trace.disable();
    }
  });
});

describe("a custom prom-client collector", () => {
  for (const [name, start] of [
    ["Fastify 5", startFastify],
    ["Express 5", startExpress],
  ] as const) {
    it(`that throws on ${name}: the scrape answers 500, the app is unaffected, one log line`, async () => {
      const { errors, lines } = setup();
      const app = (running = await start());
      new Gauge({
        name: "user_broken_gauge",
        help: "throws on collect",
        registers: [app.registry],
        collect() {
          throw new Error("collector exploded");
        },
      });
      const scrapes = await pool(10, 5, () => app.scrapeRaw());
      expect(scrapes.map((s) => s.status)).toEqual(Array(10).fill(500));
      expect(await pool(REQUESTS, 8, (i) => send(app.port, `/claims/${i}`))).toEqual(
        Array(REQUESTS).fill(200),
      );
      expect(matching(lines, "collecting metrics failed")).toHaveLength(1);
      app.registry.removeSingleMetric("user_broken_gauge");
      expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
      expect(errors).toEqual([]);
    });

    it(`that never resolves on ${name}: application requests are unaffected while scrapes wait for their bound`, async () => {
      const { errors } = setup();
      // A bound far beyond this test's length, so the waiting scrapes are still waiting at the end.
      const bound = { collectTimeoutMs: 120_000 };
      const app = (running =
        start === startFastify
          ? await startFastify(bound)
          : await startExpress({}, undefined, bound));
      new Gauge({
        name: "user_hung_gauge",
        help: "never resolves",
        registers: [app.registry],
        collect: () => new Promise<void>(() => undefined),
      });
      const hung = Array.from({ length: 5 }, () =>
        http.get({ host: "127.0.0.1", port: app.port, path: "/metrics", agent: false }),
      );
      let answered = 0;
      for (const req of hung) {
        req.on("error", () => undefined);
        req.on("response", () => answered++);
      }
      expect(await pool(REQUESTS, 8, (i) => send(app.port, `/claims/${i}`))).toEqual(
        Array(REQUESTS).fill(200),
      );
      app.registry.removeSingleMetric("user_hung_gauge");
      expect(requestsTotal(await app.scrape())).toBe(REQUESTS);
      expect(answered).toBe(0);
      for (const req of hung) req.destroy();
      expect(errors).toEqual([]);
    });
  }

  // A collector that never settles must not hang scrapes forever: collectTimeoutMs bounds it.
  it("a collector that never resolves: the scrape answers 503 within its bound and the hang is logged once", async () => {
    const { lines } = setup();
    const app = (running = await startExpress({}, undefined, { collectTimeoutMs: 300 }));
    new Gauge({
      name: "user_hung_gauge",
      help: "never resolves",
      registers: [app.registry],
      collect: () => new Promise<void>(() => undefined),
    });
    const reply = await Promise.race([
      app.scrapeRaw(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000)),
    ]);
    expect(reply?.status).toBe(503);
    expect(await app.scrapeRaw().then((r) => r.status)).toBe(503);
    expect(lines).toEqual([
      "@crisislen/observability: collectors did not finish within 300 ms; answering 503 (a collect() never settled?)",
    ]);
  });
});

describe("counts stay exact when hooks fail", () => {
  it("the http_requests_total series of a throwing skip carry the route, nothing else", async () => {
    setup();
    const app = (running = await startExpress({
      skip: () => {
        throw new Error("x");
      },
    }));
    await send(app.port, "/claims/1?password=secret");
    expect(select(await app.scrape(), "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/claims/:id", status: "200" },
        value: 1,
      },
    ]);
  });
});
