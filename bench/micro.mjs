// Micro-benchmarks, one process (pin it: `taskset -c 0 node bench/micro.mjs`), medians of 9
// samples after a warm-up: the per-request recording path against prom-client's own calls,
// and the exposition at 1,000 and 10,000 series against prom-client's `registry.metrics()`.
// Imports the built package internals through esbuild so nothing is measured twice.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import client from "prom-client";

const root = join(import.meta.dirname, "..");
mkdirSync(join(root, ".cache", "bench"), { recursive: true });
const out = join(root, ".cache", "bench", "micro-entry.mjs");
await build({
  stdin: {
    contents: `export { RequestRecorder } from "./src/http/request-recorder.ts";
      export { getMetrics } from "./src/metrics/crisislen-metrics.ts";
      export { renderRegistry } from "./src/exposition/serialize.ts";
      export { Counter } from "./src/metrics/counter.ts";`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  packages: "external",
  outfile: out,
  logLevel: "error",
});
const ours = await import(pathToFileURL(out).href);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function perOp(label, fn, iterations = 2_000_000) {
  for (let i = 0; i < iterations; i++) fn(i);
  const samples = [];
  for (let sample = 0; sample < 9; sample++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return { label, nsPerOp: Number(median(samples).toFixed(1)) };
}

async function perCall(label, fn, warmup, samples) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { label, msPerCall: Number(median(times).toFixed(3)) };
}

const durations = Array.from({ length: 1024 }, (_, i) =>
  Math.exp(Math.log(0.0002) + (i / 1024) * Math.log(10_000)),
);
const results = [];

// The recording path: one finished request = counter + histogram.
{
  const registry = new client.Registry();
  const recorder = new ours.RequestRecorder(ours.getMetrics({ registry }));
  results.push(
    perOp("ours: record one request (counter + histogram, cached series)", (i) =>
      recorder.record("GET", "/claims/:id", 200, durations[i & 1023]),
    ),
  );
  const counter = new client.Counter({
    name: "c_total",
    help: "h",
    labelNames: ["method", "route", "status_code"],
    registers: [new client.Registry()],
  });
  const histogram = new client.Histogram({
    name: "h_seconds",
    help: "h",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [new client.Registry()],
  });
  results.push(
    perOp("prom-client: Counter.inc + Histogram.observe with label objects", (i) => {
      counter.inc({ method: "GET", route: "/claims/:id", status_code: 200 });
      histogram.observe({ method: "GET", route: "/claims/:id" }, durations[i & 1023]);
    }),
  );
}

// The exposition: the same series through our renderer and through registry.metrics().
for (const series of [1_000, 10_000]) {
  const registry = new client.Registry();
  for (let metric = 0; metric < 10; metric++) {
    const counter = new client.Counter({
      name: `bench_${metric}_total`,
      help: "h",
      labelNames: ["method", "route", "status_code"],
      registers: [registry],
    });
    for (let i = 0; i < series / 10; i++)
      counter.inc({ method: "GET", route: `/r/${i}`, status_code: "200" }, i);
  }
  const warmup = series === 1_000 ? 100 : 20;
  results.push(
    await perCall(
      `prom-client registry.metrics(), ${series} series`,
      () => registry.metrics(),
      warmup,
      50,
    ),
  );
  results.push(
    await perCall(
      `ours renderRegistry (text), ${series} series`,
      () => ours.renderRegistry(registry, false),
      warmup,
      50,
    ),
  );
  results.push(
    await perCall(
      `ours renderRegistry (OpenMetrics), ${series} series`,
      () => ours.renderRegistry(registry, true),
      warmup,
      50,
    ),
  );
}

for (const result of results) {
  console.log(
    `${result.label.padEnd(72)} ${"nsPerOp" in result ? `${result.nsPerOp} ns/op` : `${result.msPerCall} ms/call`}`,
  );
}
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "micro.json"),
  JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2),
);
