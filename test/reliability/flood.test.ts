/**
 * A scanner's flood — thousands of distinct paths and ids, every method Node parses, oversized and
 * malformed headers, malformed `Accept` headers on /metrics — against real Fastify 5 and Express 5
 * servers: the series count stays exactly what it was, nothing escapes as an uncaught error,
 * and every exposition passes `promtool check metrics`.
 */
import http from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { OTHER_METHOD, UNMATCHED_ENDPOINT } from "../../src/metrics/catalogue.js";
import { select } from "../support/exposition.js";
import { eventually } from "../support/http-client.js";
import {
  APPS,
  captureProcessErrors,
  httpSeries,
  openMetricsProblems,
  pool,
  promtoolValid,
  rawRequest,
  requestsTotal,
  send,
  statusOf,
  type TestApp,
} from "./support.js";

const STANDARD = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "QUERY"];
// CONNECT is left out: Node hands it to the server's "connect" event, never to the app.
const METHODS = http.METHODS.filter((method) => method !== "CONNECT");

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

let running: TestApp | undefined;
let captured: ReturnType<typeof captureProcessErrors> | undefined;
afterEach(async () => {
  captured?.restore();
  await running?.close();
  running = captured = undefined;
});

describe.each(APPS)("flood against %s", (_name, start) => {
  async function setup(): Promise<TestApp> {
    captured = captureProcessErrors();
    running = await start();
    return running;
  }

  it("keeps the series count exact through 2,000 distinct paths, 1,000 ids and every parsable method", async () => {
    const app = await setup();
    // One request of each kind first: the series the flood may legitimately use.
    const warmUp = [
      () => send(app.port, "/nope/0"),
      () => send(app.port, "/claims/0"),
      ...METHODS.map((method) => () => send(app.port, "/unknown/0", { method })),
    ];
    for (const call of warmUp) await call();
    const before = await app.scrape();
    const seriesBefore = httpSeries(before);
    expect(requestsTotal(before)).toBe(warmUp.length);
    const heapBefore = heapMb();

    const tasks: Array<() => Promise<number>> = [];
    for (let i = 1; i <= 2000; i++) {
      tasks.push(() => send(app.port, `/nope/${i}/${"x".repeat(i % 50)}?q=${i}&password=p${i}`));
    }
    for (let i = 1; i <= 1000; i++) tasks.push(() => send(app.port, `/claims/${i}?token=t${i}`));
    for (let i = 1; i <= 5; i++) {
      for (const method of METHODS) tasks.push(() => send(app.port, `/unknown/${i}`, { method }));
    }
    const statuses = await pool(tasks.length, 16, (index) => tasks[index]!());
    expect(statuses.filter((status) => status === 0)).toEqual([]);

    const heapGrowth = heapMb() - heapBefore;
    const after = await app.scrape();
    expect(httpSeries(after)).toEqual(seriesBefore);
    expect(requestsTotal(after)).toBe(warmUp.length + tasks.length);
    // No per-path or per-id state: what remains after the flood is noise, not series.
    expect(heapGrowth).toBeLessThan(8);
    const counters = select(after, "http_requests_total");
    expect(new Set(counters.map((s) => s.labels.endpoint))).toEqual(
      new Set(["/claims/:id", UNMATCHED_ENDPOINT]),
    );
    for (const sample of counters) {
      expect([...STANDARD, OTHER_METHOD]).toContain(sample.labels.method);
    }
    // 27 non-standard methods Node parses, all folded into one value.
    const other = counters.filter((s) => s.labels.method === OTHER_METHOD);
    expect(other.reduce((sum, s) => sum + s.value, 0)).toBe((METHODS.length - STANDARD.length) * 6);
    const text = (await app.scrapeRaw()).body;
    expect(await promtoolValid(text)).toEqual([]);
    expect(captured!.errors).toEqual([]);
    console.log(
      `[flood ${app.name}] ${tasks.length} requests: ${seriesBefore.counter} counter series, ${seriesBefore.histogram} histogram series before and after; heap ${heapGrowth >= 0 ? "+" : ""}${heapGrowth.toFixed(2)} MB`,
    );
  });

  it("answers oversized and malformed headers without counting a series or throwing", async () => {
    const app = await setup();
    await send(app.port, "/claims/0");
    const before = await app.scrape();

    // Rejected by Node's parser before the app sees them: never counted.
    const rejected: Array<[string, string]> = [
      [
        "oversized header (20 KB)",
        `GET /claims/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
      ],
      [
        "10,000 tiny headers",
        `GET /claims/1 HTTP/1.1\r\nHost: x\r\n${"a: b\r\n".repeat(10_000)}\r\n`,
      ],
      ["header without colon", "GET /claims/1 HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"],
      ["space in header name", "GET /claims/1 HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"],
      ["NUL in header value", "GET /claims/1 HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"],
      [
        "two Content-Length",
        "POST /claims/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      ],
      [
        "Content-Length and chunked",
        "POST /claims/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      ],
      ["garbage request line", "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n"],
      ["space in the target", "GET /claims/1 2 HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["HTTP/9.9", "GET /claims/1 HTTP/9.9\r\nHost: x\r\n\r\n"],
    ];
    for (const [what, bytes] of rejected) {
      const status = statusOf(await rawRequest(app.port, bytes));
      expect([400, 431, 505], `${what} answered ${status}`).toContain(status);
    }
    const afterRejected = await app.scrape();
    expect(requestsTotal(afterRejected)).toBe(requestsTotal(before));
    expect(httpSeries(afterRejected)).toEqual(httpSeries(before));

    // Valid headers, then a broken chunked body: the app saw the request, so it counts once.
    const brokenBody = await rawRequest(
      app.port,
      "POST /claims/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    );
    expect([0, 400, 404]).toContain(statusOf(brokenBody));
    await eventually(async () => requestsTotal(await app.scrape()) === requestsTotal(before) + 1);
    const afterBody = await app.scrape();
    expect(requestsTotal(afterBody)).toBe(requestsTotal(before) + 1);

    // Legal but hostile: reach the app, counted once each under the route, no header in a label.
    const legal: Array<[string, http.OutgoingHttpHeaders]> = [
      ["12 KB header value", { "x-big": "b".repeat(12_000) }],
      [
        "200 distinct header names",
        Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, `v${i}`])),
      ],
      ["obs-text bytes", { "x-latin": "caf\u00e9 \u00ff" }],
      ["huge Accept", { accept: `${"text/html;q=0.1,".repeat(500)}*/*` }],
      ["Authorization", { authorization: "Bearer leaked-secret-value" }],
      ["Cookie", { cookie: "session=leaked-cookie-value" }],
    ];
    for (const [what, headers] of legal) {
      expect(await send(app.port, "/claims/2", { headers, agent: false }), what).toBe(200);
    }
    const after = await app.scrape();
    expect(requestsTotal(after)).toBe(requestsTotal(before) + 1 + legal.length);
    expect(httpSeries(after).counter).toBe(httpSeries(afterBody).counter);
    const text = (await app.scrapeRaw()).body;
    for (const needle of ["bbbbbbbb", "x-h1", "caf", "leaked", "text/html"]) {
      expect(text).not.toContain(needle);
    }
    expect(await promtoolValid(text)).toEqual([]);
    // The server is still healthy.
    expect(await send(app.port, "/claims/3", { agent: false })).toBe(200);
    expect(captured!.errors).toEqual([]);
  });

  it("serves a valid exposition to malformed Accept headers, and never counts a scrape", async () => {
    const app = await setup();
    await send(app.port, "/claims/1");
    const total = requestsTotal(await app.scrape());
    const accepts: Array<[string, "text" | "openmetrics"]> = [
      ["", "text"],
      [";;;,,,;", "text"],
      ["application/openmetrics-text;q=abc", "text"],
      ["application/openmetrics-text;q=0", "text"],
      ["application/openmetrics-text;q=-1", "text"],
      ["application/openmetrics-text; version=99.0", "openmetrics"],
      ["APPLICATION/OPENMETRICS-TEXT", "openmetrics"],
      ["application/openmetrics-text;;;q=1;;", "openmetrics"],
      ["application/openmetrics-text-evil", "text"],
      [
        "text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.5",
        "openmetrics",
      ],
      [`${"x/y;q=0.1,".repeat(1000)}application/openmetrics-text`, "text"], // > 4 KB: ignored
      ["*/*", "text"],
      ["\u00ff\u00fe/\u00fd", "text"],
      ["application/openmetrics-text;q=1e309", "openmetrics"],
    ];
    for (const [accept, format] of accepts) {
      const reply = await app.scrapeRaw({ accept });
      expect(reply.status, accept).toBe(200);
      if (format === "openmetrics") {
        expect(reply.type, accept).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
        expect(openMetricsProblems(reply.body), accept).toEqual([]);
      } else {
        expect(reply.type, accept).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(await promtoolValid(reply.body), accept).toEqual([]);
      }
    }
    // 100 more scrapes with distinct junk: still not counted, still one series set.
    await pool(100, 10, (i) => app.scrapeRaw({ accept: `junk/${i};q=${i}` }));
    const after = await app.scrape();
    expect(requestsTotal(after)).toBe(total);
    expect(select(after, "http_requests_total").map((s) => s.labels.endpoint)).toEqual([
      "/claims/:id",
    ]);
    expect(captured!.errors).toEqual([]);
  });
});
