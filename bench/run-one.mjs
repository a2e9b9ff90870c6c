// One measured run of one configuration: start its server pinned to the server core, check one
// request, drive the fixed request count from the load generator pinned to the other core, then
// check what the server saw: every request recorded by the metrics (scraped), or exactly the
// expected spans per request with the route, status and propagated parent (traced modes).
import { spawn } from "node:child_process";
import http from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

const here = import.meta.dirname;
const CLAIM = '{"id":"12345","status":"open","amount":1250.5,"currency":"EUR"}';
const PARENT = "b7ad6b7169203331";
const TRACEPARENT = `00-0af7651916cd43dd8448eb211c80319c-${PARENT}-01`;

export const pinned = (core, command) =>
  process.platform === "linux"
    ? ["taskset", ["-c", String(core), ...command]]
    : [command[0], command.slice(1)];

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

function get(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      })
      .on("error", reject);
  });
}

function startServer(project, mode, build, port, core) {
  const [command, argv] = pinned(core, [
    process.execPath,
    join(project, "bench", "server.mjs"),
    mode,
    String(port),
    build,
  ]);
  const child = spawn(command, argv, { cwd: project, stdio: ["ignore", "pipe", "inherit"] });
  child.output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}@${build} did not start`)), 30_000);
    child.stdout.on("data", (chunk) => {
      child.output += chunk;
      if (child.output.includes('"ready":true')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code) => reject(new Error(`${mode}@${build} exited with ${code}`)));
  });
}

function runLoad(options, port, pid) {
  const [command, argv] = pinned(options.loadgenCore, [
    process.execPath,
    join(here, "loadgen.mjs"),
    ...["--url", `http://127.0.0.1:${port}/claims/12345`, "--pid", String(pid)],
    ...["--warmup", String(options.warmup), "--requests", String(options.requests)],
    ...["--connections", String(options.connections), "--pipelining", String(options.pipelining)],
    ...["--server-core", String(options.serverCore), "--loadgen-core", String(options.loadgenCore)],
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop()))
        : reject(new Error(`loadgen exited ${code}`)),
    );
  });
}

/**
 * Requests the metrics recorded for the benchmark route, all statuses together. Ours and the
 * hand-written hook count in `http_requests_total`; the peers are read from their duration
 * histogram's `_count` (fastify-metrics, promster and express-prom-bundle name it alike).
 */
export function recordedRequests(body) {
  let fromCounter = 0;
  let fromHistogram = 0;
  for (const line of body.split("\n")) {
    if (!/"\/claims\/(:id|#val)"/.test(line)) continue;
    const value = Number(line.split(" ").pop());
    if (line.startsWith("http_requests_total{")) fromCounter += value;
    else if (line.startsWith("http_request_duration_seconds_count{")) fromHistogram += value;
  }
  return fromCounter > 0 ? fromCounter : fromHistogram;
}

const stop = (child) =>
  new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });

/** What a traced mode must have exported for `sent` requests; returns the failures found. */
function checkSpans(mode, report, sent) {
  const failures = [];
  const expected =
    mode === "fastify-traced"
      ? { "GET /claims/:id": sent }
      : { "GET /claims/:id": sent, request: sent, "handler - fastify -> @fastify/otel": sent };
  const sorted = (counts) => JSON.stringify(Object.entries(counts).sort());
  if (sorted(report.spansByName) !== sorted(expected))
    failures.push(
      `spans ${JSON.stringify(report.spansByName)}, expected ${JSON.stringify(expected)}`,
    );
  const sample = report.sampleSpan;
  if (sample?.attributes?.["http.route"] !== "/claims/:id")
    failures.push(`server span without http.route: ${JSON.stringify(sample)}`);
  if (sample?.attributes?.["http.response.status_code"] !== 200)
    failures.push(`server span without status 200: ${JSON.stringify(sample)}`);
  if (sample?.parentSpanId !== PARENT)
    failures.push(
      `server span did not continue the incoming traceparent: ${JSON.stringify(sample)}`,
    );
  return failures;
}

/** Runs `mode` once; resolves to the load generator's numbers plus the checks. */
export async function runOne(project, mode, build, options) {
  const port = await freePort();
  const server = await startServer(project, mode, build, port, options.serverCore);
  const traced = mode === "fastify-traced" || mode === "fastify-otel";
  try {
    // The one request with a traceparent: its server span must be the propagated child.
    const sanity = await get(port, "/claims/12345", { traceparent: TRACEPARENT });
    if (sanity.status !== 200 || sanity.body !== CLAIM)
      throw new Error(`${mode}: sanity request answered ${sanity.status} ${sanity.body}`);
    const result = await runLoad(options, port, server.pid);
    const sent = result.requests + result.warmupRequests + 1;
    const checkFailures = [];
    let recorded;
    if (!mode.endsWith("-bare") && !mode.endsWith("-noop") && !traced) {
      recorded = recordedRequests((await get(port, "/metrics")).body);
      if (recorded !== sent) checkFailures.push(`recorded ${recorded} of ${sent} requests`);
    }
    await stop(server);
    let spansPerRequest;
    if (traced) {
      const report = JSON.parse(server.output.trim().split("\n").pop());
      spansPerRequest = report.spansExported / sent;
      checkFailures.push(...checkSpans(mode, report, sent));
    }
    if (result.errors > 0) checkFailures.push(`${result.errors} errors, timeouts or non-2xx`);
    return { ...result, sent, recorded, spansPerRequest, checkFailures };
  } finally {
    if (server.exitCode === null) await stop(server);
  }
}
