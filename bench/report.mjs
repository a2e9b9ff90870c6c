// Renders a benchmark run: the per-configuration table (medians with their spread), the ESM vs
// CJS comparison, and the note on how quiet the machine was. `node bench/report.mjs
// bench/results/http.json` re-renders a saved run (markdown and chart).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderChart } from "./chart.mjs";
import { quantile } from "./stats.mjs";

/** `median [p25–p75]`: the median over the rounds and its interquartile range. */
const range = (s) => `${s.median} [${s.p25}–${s.p75}]`;
const signed = (value) => (value > 0 ? `+${value}` : String(value));
/** `**median** [p25, p75] (min…max)` of a paired difference. */
const signedRange = (s) =>
  `**${signed(s.median)}** [${signed(s.p25)}, ${signed(s.p75)}] (${signed(s.min)}…${signed(s.max)})`;

function check(row) {
  if (row.checksFailed.length > 0) return `FAILED: ${row.checksFailed[0]}`;
  if (row.recordedExactly !== undefined) return "every request recorded";
  if (row.spansPerRequest !== undefined) return `${row.spansPerRequest.median} spans/request`;
  return "–";
}

export function renderTable(summary) {
  return [
    "| configuration | rounds | server CPU µs/req, median [IQR] | extra µs/req vs bare, paired: median [IQR] (min…max) | req/s | req/s ÷ bare, paired: median [IQR] | p99 ms | check |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...summary.map(
      (row) =>
        `| ${row.config} | ${row.rounds} | ${range(row.cpuMicrosPerRequest)} | ${row.extraMicros ? signedRange(row.extraMicros) : "–"} | ${row.rps.median} | ${row.rpsRatio ? range(row.rpsRatio) : "–"} | ${row.p99} | ${check(row)} |`,
    ),
  ].join("\n");
}

export function renderBuilds(builds) {
  if (builds.length === 0) return "";
  return [
    "| mode | CJS − ESM server CPU µs/req, paired per round |",
    "|---|---:|",
    ...builds.map((b) => `| ${b.mode} | ${signedRange(b.cjsMinusEsmMicros)} |`),
  ].join("\n");
}

/** How much CPU other processes took while the benchmark measured. */
export function quietness(meta, runs) {
  const pct = (share) => `${(share * 100).toFixed(1)} %`;
  const server = runs.map((run) => run.foreignShareServerCore);
  const loadgen = runs.map((run) => run.foreignShareLoadgenCore);
  const redone = runs.reduce((sum, run) => sum + (run.attempts - 1), 0);
  const disturbed = runs.filter((run) => run.foreignShareServerCore > meta.args.foreignMax).length;
  return [
    `Machine: ${meta.machine.cpus} × ${meta.machine.model}, ${meta.machine.kernel}, Node ${meta.node}.`,
    `Load average (1 min) ${meta.before.load1} before, ${meta.after.load1} after; CPU pressure (PSI some avg10) ${meta.before.cpuPressure10s ?? "n/a"} % before, ${meta.after.cpuPressure10s ?? "n/a"} % after.`,
    `Other processes' CPU during the measured windows, as a share of the core: server core median ${pct(quantile(server, 0.5))}, max ${pct(Math.max(...server))}; load-generator core median ${pct(quantile(loadgen, 0.5))}, max ${pct(Math.max(...loadgen))}.`,
    `${redone} run(s) redone for interference above ${pct(meta.args.foreignMax)} of the server core; ${disturbed} kept above it after ${meta.args.attempts} attempts; ${Math.round(meta.waitedForQuietSeconds)} s spent waiting for a quiet machine.`,
    meta.quiet
      ? "Verdict: quiet enough to publish."
      : "Verdict: NOT QUIET — other work ran during the measurement; do not publish these numbers.",
  ].join("\n");
}

export function renderMarkdown(result) {
  const builds = renderBuilds(result.builds);
  return [
    `# HTTP benchmark, ${result.meta.date}`,
    "",
    `Source: ${result.meta.source}. ${result.meta.args.rounds} interleaved rounds; per round and configuration ${result.meta.requests}. ${result.meta.minutes} minutes. "Paired": each round's value minus (or divided by) the bare framework's of the same round; median over the rounds, interquartile range in brackets, extremes in parentheses.`,
    "",
    renderTable(result.summary),
    "",
    ...(builds ? [builds, ""] : []),
    quietness(result.meta, result.runs),
    "",
  ].join("\n");
}

export function writeReport(file, result) {
  writeFileSync(file, JSON.stringify(result, null, 2));
  writeFileSync(file.replace(/\.json$/, ".md"), renderMarkdown(result));
  writeFileSync(file.replace(/\.json$/, ".svg"), renderChart(result.summary));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  writeReport(file, JSON.parse(readFileSync(file, "utf8")));
}
