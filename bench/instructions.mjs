// Instructions per request, counted by valgrind's callgrind: deterministic enough to decide
// "is this change cheaper" on a machine too busy for wall-clock or CPU-time numbers.
//   node bench/instructions.mjs [--configs fastify-bare,fastify-ours@cjs,…] [--requests 3000]
//        [--warmup 8000] [--repeat 1] [--source repo|packed] [--profile DIR]
// Each server runs under `valgrind --tool=callgrind` with instrumentation off while it starts
// and warms up (its JIT settles); then counting is switched on and zeroed, exactly --requests
// requests are sent over --connections keep-alive connections, and the count is dumped. The
// figure is instructions of every thread of the server ÷ requests, split into V8's garbage
// collector, V8's optimizing compiler, and the rest ("mutator": JS, builtins, Node, libuv, libc).
// The mutator count is the one to compare: it moves by well under 1 % between runs, whereas a
// single major GC landing inside or outside a short window moves the GC count by tens of
// thousands of instructions per request, and late JIT compilation the compiler count.
// --profile DIR keeps each dump and names the JIT code (`--perf-basic-prof`): read one with
// `node bench/callgrind-js.mjs DIR/<config>.callgrind DIR/<config>.map <requests>`.
// Valgrind slows the server ~50×, so timer-driven work (event-loop-delay sampling) weighs more
// per request than at full speed; compare configurations with each other, not with CPU time.
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { promisify } from "node:util";
import { attribute } from "./callgrind-js.mjs";
import { createPackedProject } from "./packed-project.mjs";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    configs: {
      type: "string",
      default:
        "fastify-bare,fastify-ours@esm,fastify-ours@cjs,fastify-ours-lean@esm,fastify-traced@esm,fastify-traced@cjs,express-bare,express-ours@esm,express-ours@cjs,express-ours-lean@esm",
    },
    requests: { type: "string", default: "3000" },
    warmup: { type: "string", default: "8000" },
    connections: { type: "string", default: "10" },
    repeat: { type: "string", default: "1" },
    source: { type: "string", default: "repo" },
    port: { type: "string", default: "0" },
    profile: { type: "string" },
    // One thread for V8's compiler and GC: the same work, without the interleaving of helper
    // threads that moves the count by ±1 % between runs (±0.3 % with it).
    "node-flags": { type: "string", default: "--single-threaded" },
  },
});

/** Sends `count` GETs over `connections` keep-alive connections; every answer must be a 200. */
async function load(port, count, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let left = count;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/claims/12345", agent }, (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        })
        .on("error", reject);
    });
  // A keep-alive socket the server closed as idle (Express: 5 s keepAliveTimeout, which a
  // valgrind'd server under load can reach between two requests) resets; retry on a new one.
  const oneWithRetry = async (attempt = 1) => {
    try {
      await one();
    } catch (error) {
      if (attempt >= 3 || error.code !== "ECONNRESET") throw error;
      await oneWithRetry(attempt + 1);
    }
  };
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      await oneWithRetry();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

const callgrind = (command, pid) => run("callgrind_control", [command, String(pid)]);

const nodeFlags = [
  ...args["node-flags"].split(" ").filter(Boolean),
  // --perf-basic-prof also turns on V8's code log; keep it out of the working directory.
  ...(args.profile ? ["--perf-basic-prof", "--logfile=/dev/null", "--no-logfile-per-isolate"] : []),
];

/** Starts `mode` under callgrind, warms it up, counts `requests`; returns the split count. */
async function count(project, config, dir) {
  const [mode, build = "esm"] = config.split("@");
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${join(dir, "cg.%p")}`]
      .concat([process.execPath, ...nodeFlags])
      .concat([join(project, "bench", "server.mjs"), mode, String(port), build]),
    { cwd: project, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes('"ready":true') && resolve());
    child.on("exit", (code) => reject(new Error(`${config} exited ${code}: ${output}`)));
  });
  await load(port, Number(args.warmup), Number(args.connections));
  await callgrind("--instr=on", child.pid);
  await callgrind("--zero", child.pid);
  await load(port, Number(args.requests), Number(args.connections));
  await callgrind("--dump", child.pid);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const dumps = readdirSync(dir).filter((file) => file.startsWith(`cg.${child.pid}.`));
  if (dumps.length !== 1)
    throw new Error(`${config}: expected one dump, found ${dumps.join(", ")}`);
  const dump = join(dir, dumps[0]);
  const perfMap = `/tmp/perf-${child.pid}.map`;
  if (args.profile) {
    cpSync(dump, join(args.profile, `${config}.callgrind`));
    if (existsSync(perfMap)) cpSync(perfMap, join(args.profile, `${config}.map`));
  }
  const { total, byOrigin } = attribute(dump);
  if (existsSync(perfMap)) rmSync(perfMap);
  const gc = byOrigin.get("V8 GC") ?? 0;
  const compiler = byOrigin.get("V8 compiler") ?? 0;
  return { total, gc, compiler, mutator: total - gc - compiler };
}

const project = args.source === "packed" ? await createPackedProject() : root;
const dir = mkdtempSync(join(tmpdir(), "crisislen-callgrind-"));
const configs = args.configs.split(",");
const results = Object.fromEntries(configs.map((config) => [config, []]));
const perRequest = (count) => Math.round(count / Number(args.requests));
try {
  for (let repeat = 0; repeat < Number(args.repeat); repeat++) {
    for (const config of configs) {
      const split = await count(project, config, dir);
      const row = Object.fromEntries(Object.entries(split).map(([k, v]) => [k, perRequest(v)]));
      results[config].push(row);
      console.error(
        `${config.padEnd(24)} mutator ${row.mutator}  gc ${row.gc}  compiler ${row.compiler}  total ${row.total} instructions/request`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (project !== root) rmSync(project, { recursive: true, force: true });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const of = (config, key) => median(results[config].map((row) => row[key]));
const bare = (config) => `${config.split("-")[0]}-bare`;
console.log(
  `${args.requests} requests after ${args.warmup} warm-up, ${args.connections} connections, node ${nodeFlags.join(" ")}; instructions per request, median of ${args.repeat} run(s)\n`,
);
console.log(
  "| configuration | mutator | extra vs bare | ratio | runs (mutator) | GC | compiler | total |",
);
console.log("|---|---:|---:|---:|---|---:|---:|---:|");
for (const config of configs) {
  const mine = of(config, "mutator");
  const base = results[bare(config)] ? of(bare(config), "mutator") : undefined;
  const extra = base === undefined || config === bare(config) ? "–" : `+${mine - base}`;
  const ratio = base === undefined ? "–" : (mine / base).toFixed(3);
  const runs = results[config].map((row) => row.mutator).join(", ");
  console.log(
    `| ${config} | ${mine} | ${extra} | ${ratio} | ${runs} | ${of(config, "gc")} | ${of(config, "compiler")} | ${of(config, "total")} |`,
  );
}
