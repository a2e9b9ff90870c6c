// What `traceLogFields` costs per pino log line: `npm run bench:logs` (builds first).
//
// Configurations, each in its own child process, interleaved over ROUNDS rounds so a change in
// the machine's load hits all of them alike:
//   mixin-tracing-off              the mixin, no SDK loaded (what every line pays with tracing off)
//   mixin-tracing-on-outside-span  the SDK registered, the line written outside any span
//   mixin-in-span                  inside an active sampled span: the three fields are added
//   fields-by-hand-in-span         no mixin, the same three fields passed by hand in the line's
//                                  object: what pino charges for writing them at all
// Each child alternates batches of its configuration with batches of the same line on a pino
// logger without a mixin (in the same context), until both have used CPU_BUDGET_MS of CPU time
// (process.cpuUsage), and reports both in CPU nanoseconds per line: the difference is paired, so
// the process-to-process variance of a loaded machine cancels out. Lines go to a sink that drops
// them, so the I/O every real destination adds is left out and the mixin's share is as large as
// it can be.
//
// Prints one JSON line per configuration (median, min and max over the rounds of the extra CPU
// per line, and the median baseline) and writes bench/results/log-correlation.json.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CONFIGS = [
  "mixin-tracing-off",
  "mixin-tracing-on-outside-span",
  "mixin-in-span",
  "fields-by-hand-in-span",
];
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const CPU_BUDGET_MS = Number(process.env.CPU_BUDGET_MS ?? 300);
const BATCH = 2_000;
const MESSAGE = "claim requested";

async function child(config) {
  const { pino } = await import("pino");
  const { traceLogFields } = await import("../dist/index.js");
  const sink = { write() {} };
  const plain = pino({}, sink);
  let run = (fn) => fn();
  if (config !== "mixin-tracing-off") {
    const { context, trace } = await import("@opentelemetry/api");
    const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
    const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    if (config.endsWith("in-span")) {
      const tracer = trace.getTracer("bench");
      run = (fn) => tracer.startActiveSpan("request", (span) => (fn(), span.end()));
    }
  }
  let measured;
  if (config === "fields-by-hand-in-span") {
    measured = () => {
      const { trace_id, span_id, trace_flags } = traceLogFields(); // called inside the span
      return (i) => plain.info({ claim: i, trace_id, span_id, trace_flags }, MESSAGE);
    };
  } else {
    const mixed = pino({ mixin: traceLogFields }, sink);
    measured = () => (i) => mixed.info({ claim: i }, MESSAGE);
  }
  const baselineLine = (i) => plain.info({ claim: i }, MESSAGE);
  const time = (line) => {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) line(i);
    const { user, system } = process.cpuUsage(start);
    return user + system;
  };
  let result;
  run(() => {
    const measuredLine = measured();
    for (let i = 0; i < 25; i++) {
      time(baselineLine); // warm-up: 100,000 lines
      time(measuredLine);
    }
    let baseline = 0;
    let variant = 0;
    let batches = 0;
    while (baseline + variant < 2 * CPU_BUDGET_MS * 1000) {
      baseline += time(baselineLine);
      variant += time(measuredLine);
      batches += 1;
    }
    const perLine = (micros) => (micros * 1000) / (batches * BATCH);
    result = { config, baselineNs: perLine(baseline), nsPerLine: perLine(variant) };
  });
  console.log(JSON.stringify(result));
}

function parent() {
  const self = fileURLToPath(import.meta.url);
  const samples = Object.fromEntries(CONFIGS.map((c) => [c, []]));
  const loadBefore = loadavg();
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no configuration always runs first (or right after another).
    const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]);
    for (const config of order) {
      const out = execFileSync(process.execPath, [self, config], { encoding: "utf8" });
      samples[config].push(JSON.parse(out));
    }
  }
  const round1 = (v) => Number(v.toFixed(1));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = CONFIGS.map((config) => {
    const extra = samples[config].map((s) => s.nsPerLine - s.baselineNs);
    return {
      config,
      extraNsPerLine: {
        median: round1(median(extra)),
        min: round1(Math.min(...extra)),
        max: round1(Math.max(...extra)),
      },
      baselineNsPerLine: round1(median(samples[config].map((s) => s.baselineNs))),
    };
  });
  for (const result of results) console.log(JSON.stringify(result));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
    loadAverageAfter: loadavg().map((v) => Number(v.toFixed(2))),
    rounds: ROUNDS,
    cpuBudgetMsPerSample: CPU_BUDGET_MS,
    results,
  };
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "log-correlation.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(
    `load average before/after: ${report.loadAverageBefore} / ${report.loadAverageAfter}`,
  );
}

const config = process.argv[2];
if (config === undefined) parent();
else await child(config);
