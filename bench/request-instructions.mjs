// Per-request cost as CPU instructions, which a shared, noisy machine cannot blur: a server
// process runs under `valgrind --tool=callgrind` and answers keep-alive requests from this
// (unmeasured) process, one at a time. After `--warmup` requests the counters are zeroed
// (`callgrind_control -z`), `--count` requests are sent, and the counters are dumped: the total
// divided by the count is the cost of one request, start-up and warm-up excluded.
//
//   npm run build && node bench/request-instructions.mjs [--dist dist] [--modes a,b] [--runs 3]
//
// Modes: {fastify,express}-{bare,ours,options}; "options" turns on the per-request state the
// package keeps (in-flight gauge, response size, an extra label).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    dist: { type: "string", default: "dist" },
    modes: { type: "string", default: "" },
    runs: { type: "string", default: "3" },
    warmup: { type: "string", default: "1000" },
    count: { type: "string", default: "2000" },
    serve: { type: "string" },
    // V8 compiles on background threads at times that vary from run to run; one thread makes
    // the instruction count repeatable.
    "node-flags": { type: "string", default: "--single-threaded" },
  },
});

const ALL_MODES = [
  "fastify-bare",
  "fastify-ours",
  "fastify-options",
  "express-bare",
  "express-ours",
  "express-options",
];

if (args.serve !== undefined) await serve(args.serve, resolve(args.dist));
else await measure();

async function serve(mode, dist) {
  const [framework, variant] = mode.split("-");
  const pkg = variant === "bare" ? undefined : await import(join(dist, "index.js"));
  const options = {
    defaultMetrics: false,
    ...(variant === "options"
      ? { inFlight: true, responseSize: true, extraLabels: { tier: () => "gold" } }
      : {}),
  };
  let server;
  if (framework === "fastify") {
    const { default: Fastify } = await import("fastify");
    const app = Fastify();
    if (pkg) await app.register(pkg.metricsPlugin, options);
    app.get("/claims/:id", async (request) => ({ id: request.params.id, status: "open" }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    server = app.server;
  } else {
    const { default: express } = await import("express");
    const app = express();
    if (pkg) app.use(pkg.metricsMiddleware(options));
    app.get("/claims/:id", (req, res) => res.json({ id: req.params.id, status: "open" }));
    server = await new Promise((done) => {
      const listening = app.listen(0, "127.0.0.1", () => done(listening));
    });
  }
  // Valgrind reads callgrind_control's commands only while the program runs: wake up now and then.
  setInterval(() => {}, 100);
  process.on("SIGTERM", () => process.exit(0));
  console.log(JSON.stringify({ port: server.address().port }));
}

function startServer(mode, outFile) {
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      ...args["node-flags"].split(" ").filter(Boolean),
      import.meta.filename,
      "--serve",
      mode,
      "--dist",
      args.dist,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((done, fail) => {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const line = buffered.split("\n").find((text) => text.startsWith("{"));
      if (line !== undefined) done({ child, port: JSON.parse(line).port });
    });
    child.once("exit", (code) => fail(new Error(`server exited with ${code} before listening`)));
  });
}

async function send(port, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let index = 0; index < count; index++) {
    await new Promise((done, fail) => {
      http
        .get({ host: "127.0.0.1", port, path: `/claims/${index % 50}`, agent }, (res) => {
          res.resume();
          res.on("end", done);
        })
        .on("error", fail);
    });
  }
  agent.destroy();
}

/** Runs `callgrind_control` on `pid` (the server wakes every 100 ms to read its command file). */
function control(flag, pid) {
  return new Promise((resolve, reject) => {
    spawn("callgrind_control", [flag, String(pid)], { stdio: "ignore" })
      .once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`callgrind_control ${flag}: ${code}`)),
      )
      .once("error", reject);
  });
}

async function instructions(mode) {
  const outFile = join(tmpdir(), `callgrind-${process.pid}-${mode}.out`);
  const { child, port } = await startServer(mode, outFile);
  const count = Number(args.count);
  await send(port, Number(args.warmup));
  await control("-z", child.pid);
  await send(port, count);
  await control("-d", child.pid);
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
  const dumps = readdirSync(tmpdir()).filter((name) => name.startsWith(basename(outFile) + "."));
  const dump = readFileSync(join(tmpdir(), dumps.sort()[0]), "utf8");
  for (const name of [basename(outFile), ...dumps]) rmSync(join(tmpdir(), name), { force: true });
  const totals = dump.match(/^(?:summary|totals): (\d+)/m);
  if (totals === null) throw new Error(`no callgrind totals for ${mode}`);
  return Math.round(Number(totals[1]) / count);
}

async function measure() {
  const modes = args.modes === "" ? ALL_MODES : args.modes.split(",");
  for (const mode of modes) {
    const perRequest = [];
    for (let run = 0; run < Number(args.runs); run++) perRequest.push(await instructions(mode));
    // Noise here only adds instructions (a GC, a timer): the least of the runs is the estimate.
    const least = Math.min(...perRequest);
    console.log(JSON.stringify({ mode, dist: args.dist, least, runs: perRequest }));
  }
}
