// The HTTP benchmark: `npm run bench` (all configurations, about 20 minutes on a quiet 2-core
// machine; publishes into the docs when the run was quiet) or `node bench/run.mjs [--rounds 15]
// [--configs fastify-bare,fastify-ours@cjs,…] [--source packed|repo]`. See docs/benchmarks.md
// for the method. In short:
// - every configuration runs once per round, rounds interleaved and rotated, each run a fresh
//   server pinned to one core and the load generator (autocannon) pinned to another;
// - a run is a warm-up batch then a fixed number of requests; the number compared is the server's
//   CPU time per request (all its threads, ns precision), paired with the bare framework of the
//   same round; medians with their interquartile range and min–max are reported;
// - this package is measured as published (`--source packed`: npm pack, installed into a fresh
//   project) in both builds: `@esm` imports it, `@cjs` requires it;
// - every run checks that every request was recorded (metrics) or traced (spans), and how much
//   CPU other processes took meanwhile; a disturbed run is redone.
import { execFileSync } from "node:child_process";
import { cpus, release } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { mkdirSync, rmSync } from "node:fs";
import { busyShare, machineLoad } from "./cpu-clock.mjs";
import { createPackedProject } from "./packed-project.mjs";
import { publish } from "./publish.mjs";
import { writeReport, quietness, renderTable, renderBuilds } from "./report.mjs";
import { runOne } from "./run-one.mjs";
import { buildDifferences, summarize } from "./stats.mjs";

const root = join(import.meta.dirname, "..");
const DEFAULT_CONFIGS = [
  ...["fastify-bare", "fastify-ours@esm", "fastify-ours@cjs", "fastify-ours-lean@esm"],
  ...["fastify-ours-lean@cjs", "fastify-hook", "fastify-metrics", "fastify-promster"],
  ...["fastify-traced@esm", "fastify-traced@cjs", "fastify-otel"],
  ...["express-bare", "express-noop", "express-ours@esm", "express-ours@cjs"],
  ...["express-ours-lean@esm", "express-ours-lean@cjs", "express-prom-bundle", "express-promster"],
].join(",");

const { values: raw } = parseArgs({
  options: {
    rounds: { type: "string", default: "15" },
    configs: { type: "string", default: DEFAULT_CONFIGS },
    source: { type: "string", default: "packed" },
    "fastify-requests": { type: "string", default: "40000" },
    "fastify-warmup": { type: "string", default: "30000" },
    "express-requests": { type: "string", default: "10000" },
    "express-warmup": { type: "string", default: "5000" },
    connections: { type: "string", default: "50" },
    pipelining: { type: "string", default: "1" },
    "server-core": { type: "string", default: "0" },
    "loadgen-core": { type: "string", default: "1" },
    "quiet-max": { type: "string", default: "0.15" },
    "quiet-timeout": { type: "string", default: "60" },
    // Total seconds the run may spend waiting for quiet; past it, runs start at once (and a busy
    // machine shows in the verdict), so a busy machine cannot stretch the run for hours.
    "quiet-budget": { type: "string", default: "600" },
    "foreign-max": { type: "string", default: "0.05" },
    attempts: { type: "string", default: "3" },
    // A complete default run on a quiet machine is written to bench/results/http.json (and
    // published with --publish); any other run to bench/results/tmp/http.json (not committed).
    out: { type: "string" },
    // Write the result into docs/benchmarks.md and README.md — only after a complete run (every
    // default configuration, packed source, ≥ 15 rounds) on a quiet machine with every check passed.
    publish: { type: "boolean", default: false },
  },
});
const args = {
  rounds: Number(raw.rounds),
  configs: raw.configs.split(","),
  source: raw.source,
  connections: Number(raw.connections),
  pipelining: Number(raw.pipelining),
  serverCore: Number(raw["server-core"]),
  loadgenCore: Number(raw["loadgen-core"]),
  quietMax: Number(raw["quiet-max"]),
  quietTimeout: Number(raw["quiet-timeout"]),
  quietBudget: Number(raw["quiet-budget"]),
  foreignMax: Number(raw["foreign-max"]),
  attempts: Number(raw.attempts),
};
const batch = {
  fastify: { requests: Number(raw["fastify-requests"]), warmup: Number(raw["fastify-warmup"]) },
  express: { requests: Number(raw["express-requests"]), warmup: Number(raw["express-warmup"]) },
};
if (args.source !== "packed" && args.source !== "repo") throw new Error("--source: packed or repo");

// The orchestrator idles on the load generator's core, off the server's.
if (process.platform === "linux")
  execFileSync("taskset", ["-p", "-c", String(args.loadgenCore), String(process.pid)]);

let waitedForQuietSeconds = 0;
/**
 * Waits until the whole machine is below `quietMax` busy: at most `quietTimeout` seconds, and
 * not at all once `quietBudget` seconds have been spent waiting in this run.
 */
async function waitForQuiet() {
  const started = Date.now();
  while ((await busyShare(300)) > args.quietMax) {
    const waited = (Date.now() - started) / 1000;
    if (waited > args.quietTimeout || waitedForQuietSeconds + waited > args.quietBudget) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  waitedForQuietSeconds += (Date.now() - started) / 1000 - 0.3;
}

const before = machineLoad();
const startedAt = Date.now();
const project = args.source === "packed" ? await createPackedProject() : root;
console.error(`measuring from ${project}`);
const runs = [];
try {
  for (let round = 1; round <= args.rounds; round++) {
    // Rotated, so no configuration always follows the same neighbour.
    const shift = (round - 1) % args.configs.length;
    const order = [...args.configs.slice(shift), ...args.configs.slice(0, shift)];
    for (const config of order) {
      const [mode, build = "esm"] = config.split("@");
      const options = { ...args, ...batch[mode.split("-")[0]] };
      let best;
      let attempts = 0;
      // A machine that used up the waiting budget is busy: redoing runs would only stretch it.
      const maxAttempts = waitedForQuietSeconds >= args.quietBudget ? 1 : args.attempts;
      while (attempts < maxAttempts) {
        attempts += 1;
        await waitForQuiet();
        const result = await runOne(project, mode, build, options);
        if (best === undefined || result.foreignShareServerCore < best.foreignShareServerCore)
          best = result;
        if (result.foreignShareServerCore <= args.foreignMax) break;
      }
      runs.push({ round, config, ...best, attempts });
      console.error(
        `round ${round} ${config.padEnd(24)} ${best.cpuMicrosPerRequest.toFixed(2)} µs/req ${Math.round(best.rps)} req/s` +
          ` other CPU ${(best.foreignShareServerCore * 100).toFixed(1)} %` +
          (best.checkFailures.length ? `  CHECK FAILED: ${best.checkFailures.join("; ")}` : ""),
      );
    }
  }
} finally {
  if (project !== root) rmSync(project, { recursive: true, force: true });
}

const after = machineLoad();
const summary = summarize(args.configs, runs);
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), kernel: `Linux ${release()}` },
  source:
    args.source === "packed"
      ? "the packed tarball installed into a fresh project"
      : "the repository's dist/",
  requests: `Fastify ${batch.fastify.warmup} warm-up + ${batch.fastify.requests} measured requests, Express ${batch.express.warmup} + ${batch.express.requests}; ${args.connections} connections, pipelining ${args.pipelining}`,
  minutes: Number(((Date.now() - startedAt) / 60_000).toFixed(1)),
  args,
  batch,
  before,
  after,
  waitedForQuietSeconds,
  quiet: runs.every((run) => run.foreignShareServerCore <= args.foreignMax),
};
const result = { meta, summary, builds: buildDifferences(args.configs, runs), runs };
const complete =
  DEFAULT_CONFIGS.split(",").every((config) => args.configs.includes(config)) &&
  args.source === "packed" &&
  args.rounds >= 15;
const out =
  raw.out ??
  join(root, "bench", "results", ...(complete && meta.quiet ? [] : ["tmp"]), "http.json");
mkdirSync(dirname(out), { recursive: true });
writeReport(out, result);
console.log(renderTable(summary));
console.log(`\n${renderBuilds(result.builds)}\n\n${quietness(meta, runs)}`);
console.log(`\n${meta.minutes} min; written to ${dirname(out)}`);
const failed = summary.some((row) => row.checksFailed.length > 0 || row.errors > 0);
if (failed) process.exitCode = 1;
if (raw.publish) {
  if (complete && meta.quiet && !failed) {
    publish(result);
    console.log("published into docs/benchmarks.md and README.md");
  } else {
    console.log(
      `not published: ${[!complete && "not a complete default run", !meta.quiet && "the machine was not quiet", failed && "a check failed"].filter(Boolean).join(", ")}; the docs keep their previous numbers`,
    );
  }
}
