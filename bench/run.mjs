// The HTTP benchmark: `npm run bench -- [--rounds 3] [--modes a,b] [--seconds 10]`.
// Each configuration runs once per round, rounds interleaved (A B C … A B C …), the server
// pinned to core 0 and the load generator to core 1. Reports medians: req/s and its ratio to
// the bare framework, server CPU µs per request and its delta to bare, p99, and whether every
// request sent was recorded by the metrics.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { renderChart } from "./chart.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    modes: {
      type: "string",
      default:
        "fastify-bare,fastify-ours,fastify-hook,fastify-metrics,fastify-promster,fastify-traced,fastify-otel,express-bare,express-ours,express-prom-bundle,express-promster",
    },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    port: { type: "string", default: "3917" },
    out: { type: "string", default: join(here, "results", "http.json") },
  },
});
const modes = args.modes.split(",");
const port = Number(args.port);
const pinned = (core, command) =>
  process.platform === "linux"
    ? ["taskset", ["-c", String(core), ...command]]
    : [command[0], command.slice(1)];

function get(path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      })
      .on("error", reject);
  });
}

function startServer(mode) {
  const [command, argv] = pinned(0, [
    process.execPath,
    join(here, "server.mjs"),
    mode,
    String(port),
  ]);
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} did not start`)), 15_000);
    child.output = "";
    child.stdout.on("data", (chunk) => {
      child.output += chunk;
      if (String(chunk).includes('"ready":true')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
}

function runLoad(pid) {
  const [command, argv] = pinned(1, [
    process.execPath,
    join(here, "loadgen.mjs"),
    `http://127.0.0.1:${port}/claims/12345`,
    String(pid),
    args.connections,
    args.warmup,
    args.seconds,
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
 * Requests the server's metrics recorded for the benchmark route, all statuses together. Each
 * package names things its own way: ours and the hand-written hook count in
 * `http_requests_total`; the peers are read from their duration histogram's `_count`.
 */
function recordedRequests(body) {
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
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });

const runs = [];
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const mode of modes) {
    const server = await startServer(mode);
    const sanity = await get("/claims/12345");
    if (sanity.status !== 200) throw new Error(`${mode}: sanity request answered ${sanity.status}`);
    const result = await runLoad(server.pid);
    let recorded;
    const traced = mode === "fastify-traced" || mode === "fastify-otel";
    const records = !mode.endsWith("-bare") && !mode.endsWith("-noop") && !traced;
    if (records) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      recorded = recordedRequests((await get("/metrics")).body);
    }
    await stop(server);
    const sent = result.requests + result.warmupRequests + 1;
    let spansPerRequest;
    if (traced) {
      const match = /"spansExported":(\d+)/.exec(server.output);
      spansPerRequest = match ? Number((Number(match[1]) / sent).toFixed(2)) : 0;
    }
    const run = { round, mode, ...result, sent, recorded, spansPerRequest };
    runs.push(run);
    console.error(
      `round ${round} ${mode.padEnd(14)} ${Math.round(result.rps)} req/s  ${result.cpuMicrosPerRequest.toFixed(2)} µs/req  p99 ${result.p99} ms` +
        (recorded === undefined ? "" : `  recorded ${recorded}/${sent}`) +
        (spansPerRequest === undefined ? "" : `  ${spansPerRequest} spans/request`),
    );
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
// Rounds are interleaved, so each configuration is compared with its bare framework of the same
// round (paired), and the median over rounds is reported: robust to a round the shared machine
// slowed down as a whole.
const summary = modes.map((mode) => {
  const mine = runs.filter((run) => run.mode === mode);
  const bareOf = (run) =>
    runs.find((other) => other.round === run.round && other.mode === `${mode.split("-")[0]}-bare`);
  const paired = mine
    .map((run) => ({ run, bare: bareOf(run) }))
    .filter((pair) => pair.bare !== undefined);
  const recordedOk = mine.every(
    (run) =>
      run.recorded === undefined ||
      (run.recorded >= run.sent && run.recorded <= run.sent + 2 * Number(args.connections)),
  );
  return {
    mode,
    rps: Math.round(median(mine.map((run) => run.rps))),
    ratio: paired.length
      ? Number(median(paired.map(({ run, bare }) => run.rps / bare.rps)).toFixed(3))
      : NaN,
    cpuMicrosPerRequest: Number(median(mine.map((run) => run.cpuMicrosPerRequest)).toFixed(2)),
    extraMicros: paired.length
      ? Number(
          median(
            paired.map(({ run, bare }) => run.cpuMicrosPerRequest - bare.cpuMicrosPerRequest),
          ).toFixed(2),
        )
      : NaN,
    p99: median(mine.map((run) => run.p99)),
    errors: mine.reduce((sum, run) => sum + run.errors, 0),
    everyRequestRecorded: mine[0].recorded === undefined ? "–" : recordedOk,
    spansPerRequest:
      mine[0].spansPerRequest === undefined ? "–" : median(mine.map((run) => run.spansPerRequest)),
  };
});

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  JSON.stringify(
    { node: process.version, date: new Date().toISOString(), args, runs, summary },
    null,
    2,
  ),
);
const table = [
  "| configuration | req/s (median) | ratio to bare | server CPU µs/req | extra µs/req vs bare | p99 ms | every request recorded | spans/request |",
  "|---|---:|---:|---:|---:|---:|---|---:|",
  ...summary.map(
    (row) =>
      `| ${row.mode} | ${row.rps} | ${row.ratio} | ${row.cpuMicrosPerRequest} | ${row.mode.endsWith("-bare") ? "–" : row.extraMicros} | ${row.p99} | ${row.everyRequestRecorded} | ${row.spansPerRequest} |`,
  ),
].join("\n");
writeFileSync(args.out.replace(/\.json$/, ".md"), `${table}\n`);
writeFileSync(args.out.replace(/\.json$/, ".svg"), renderChart(summary));
console.log(table);
if (summary.some((row) => row.everyRequestRecorded === false || row.errors > 0))
  process.exitCode = 1;
