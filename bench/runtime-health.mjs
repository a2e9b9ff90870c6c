// What the runtime health metrics (nodejs_eventloop_utilization_ratio, nodejs_heap_size_limit_bytes)
// cost: `npm run bench:runtime-health` (builds first). Two parts, both in CPU time
// (process.cpuUsage, /proc for the server), medians with min and max, on whatever load the machine
// has (printed):
//
// 1. Per scrape: the two gauges' collection alone (what a scrape pays for them), and a whole
//    `registry.metrics()` with the defaults, with and without them (paired, alternating in one
//    process). At one scrape a second, CPU share = microseconds per scrape / 10,000.
// 2. Per request: a Fastify server with metricsPlugin and the defaults, with and without the
//    runtime health gauges (same prom-client defaults either way), each in its own process,
//    loaded by bench/loadgen.mjs (autocannon, its own process) while this script scrapes it once
//    a second; server CPU microseconds per request, interleaved rounds.
//
// Writes bench/results/runtime-health.json.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const GAUGES = ["nodejs_eventloop_utilization_ratio", "nodejs_heap_size_limit_bytes"];
const self = fileURLToPath(import.meta.url);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values, digits = 1) => {
  const r = (v) => Number(v.toFixed(digits));
  return { median: r(median(values)), min: r(Math.min(...values)), max: r(Math.max(...values)) };
};
const cpuMicros = (start) => {
  const { user, system } = process.cpuUsage(start);
  return user + system;
};

/** Builds the two registries: the package's metrics and prom-client's defaults, ± runtime health. */
async function registries() {
  const client = (await import("prom-client")).default;
  const { metricsMiddleware } = await import("../dist/index.js");
  const without = new client.Registry();
  metricsMiddleware({ registry: without, defaultMetrics: false });
  client.collectDefaultMetrics({ register: without });
  const withHealth = new client.Registry();
  metricsMiddleware({ registry: withHealth }); // defaults + runtime health
  for (const name of GAUGES) {
    if (without.getSingleMetric(name) || !withHealth.getSingleMetric(name))
      throw new Error(`bench setup: ${name} is not where it should be`);
  }
  return { without, withHealth };
}

async function perScrape() {
  const { without, withHealth } = await registries();
  const gauges = GAUGES.map((name) => withHealth.getSingleMetric(name));
  const collectGauges = () => Promise.all(gauges.map((g) => g.get()));
  const time = async (fn, calls) => {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn();
    return cpuMicros(start) / calls;
  };
  for (let i = 0; i < 200; i++) await Promise.all([without.metrics(), withHealth.metrics()]);
  for (let i = 0; i < 2000; i++) await collectGauges();
  const gaugeSamples = [];
  const withoutSamples = [];
  const withSamples = [];
  for (let round = 0; round < 15; round++) {
    gaugeSamples.push(await time(collectGauges, 2000));
    withoutSamples.push(await time(() => without.metrics(), 50));
    withSamples.push(await time(() => withHealth.metrics(), 50));
  }
  const extra = withSamples.map((w, i) => w - withoutSamples[i]);
  return {
    gaugesAloneMicrosPerScrape: spread(gaugeSamples, 2),
    wholeScrapeMicros: { without: spread(withoutSamples), with: spread(withSamples) },
    wholeScrapeExtraMicros: spread(extra),
    cpuShareAtOneScrapePerSecondPercent: Number((median(gaugeSamples) / 10_000).toFixed(5)),
  };
}

/** Child: `node runtime-health.mjs serve with|without` — prints {"port":N} when listening. */
async function serve(variant) {
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  const client = require("prom-client");
  const Fastify = require("fastify");
  const { metricsPlugin } = await import("../dist/index.js");
  const app = Fastify({ logger: false });
  if (variant === "with") await app.register(metricsPlugin);
  else {
    await app.register(metricsPlugin, { defaultMetrics: false });
    client.collectDefaultMetrics();
  }
  app.get("/claims/:id", async () => ({ id: "12345", status: "open", amount: 1250.5 }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(JSON.stringify({ port: app.server.address().port }));
}

async function startServer(variant) {
  const child = spawn(process.execPath, [self, "serve", variant], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk)).port));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, port };
}

async function perRequest() {
  const run = promisify(execFile);
  const samples = { with: [], without: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? ["with", "without"] : ["without", "with"]) {
      const { child, port } = await startServer(variant);
      const base = `http://127.0.0.1:${port}`;
      const scraper = setInterval(() => void fetch(`${base}/metrics`).then((r) => r.text()), 1000);
      try {
        const { stdout } = await run(process.execPath, [
          join(import.meta.dirname, "loadgen.mjs"),
          `${base}/claims/1`,
          String(child.pid),
          String(CONNECTIONS),
          "2",
          String(SECONDS),
        ]);
        const result = JSON.parse(stdout);
        if (result.errors > 0) throw new Error(`load errors: ${stdout}`);
        samples[variant].push(result.cpuMicrosPerRequest);
      } finally {
        clearInterval(scraper);
        child.kill();
      }
    }
  }
  const extra = samples.with.map((w, i) => w - samples.without[i]);
  return {
    serverCpuMicrosPerRequest: {
      with: spread(samples.with, 2),
      without: spread(samples.without, 2),
    },
    extraMicrosPerRequest: spread(extra, 2),
    pairedDifferencesMicros: extra.map((v) => Number(v.toFixed(2))),
  };
}

async function main() {
  const loadBefore = loadavg();
  const scrape = await perScrape();
  console.log(JSON.stringify({ perScrape: scrape }));
  const request = await perRequest();
  console.log(JSON.stringify({ perRequest: request }));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
    loadAverageAfter: loadavg().map((v) => Number(v.toFixed(2))),
    rounds: ROUNDS,
    secondsPerRound: SECONDS,
    connections: CONNECTIONS,
    perScrape: scrape,
    perRequest: request,
  };
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "runtime-health.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(
    `load average before/after: ${report.loadAverageBefore} / ${report.loadAverageAfter}`,
  );
}

if (process.argv[2] === "serve") await serve(process.argv[3]);
else await main();
