// Writes a benchmark run into the documentation: the full table, the ESM-vs-CJS table and the
// quietness note into docs/benchmarks.md, the summary rows into README.md, each between its
// `<!-- bench:… -->` markers, and the chart both link to into bench/results/http.svg. `npm run
// bench` calls it after a complete, quiet run (a run with other work on the machine is never
// published); `node bench/publish.mjs bench/results/http.json` publishes a saved one, and refuses
// a run that was not quiet or not complete unless `--force` is given.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderChart } from "./chart.mjs";
import { quietness, renderBuilds, renderTable } from "./report.mjs";

const root = join(import.meta.dirname, "..");

function replaceBetween(text, marker, content, file) {
  const start = `<!-- bench:${marker}:start -->`;
  const end = `<!-- bench:${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} block`);
  // A second marker (one quoted in prose, say) would make the replaced span ambiguous.
  if (text.indexOf(start, from + 1) >= 0 || text.indexOf(end, to + 1) >= 0)
    throw new Error(`${file} has more than one ${start} or ${end} marker`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

const signed = (value) => (value > 0 ? `+${value}` : String(value));
const cell = (row) =>
  row?.extraMicros
    ? `**${signed(row.extraMicros.median)} µs** [${signed(row.extraMicros.p25)}, ${signed(row.extraMicros.p75)}]`
    : "–";
const ratio = (row) => (row?.rpsRatio ? `${row.rpsRatio.median}` : "–");
const rounds = (result) =>
  `${result.meta.args.rounds} interleaved round${result.meta.args.rounds === 1 ? "" : "s"}`;

/** The README's short table: our configurations and the peers, medians with their IQR. */
function readmeTable(result) {
  const by = Object.fromEntries(result.summary.map((row) => [row.config, row]));
  const line = (label, config) => `| ${label} | ${cell(by[config])} | ${ratio(by[config])} |`;
  return [
    `${rounds(result)}, ${result.meta.date.slice(0, 10)}; median [interquartile range] of the per-round difference to the bare framework:`,
    "",
    "| | extra server CPU per request | req/s as a share of bare |",
    "|---|---:|---:|",
    line("Fastify + `metricsPlugin` (ESM / `import`)", "fastify-ours@esm"),
    line("Fastify + `metricsPlugin` (CommonJS / `require`)", "fastify-ours@cjs"),
    line("Fastify + `metricsPlugin`, `defaultMetrics: false` (ESM)", "fastify-ours-lean@esm"),
    line("Fastify + `metricsPlugin`, `defaultMetrics: false` (CommonJS)", "fastify-ours-lean@cjs"),
    line("Fastify + hand-written prom-client hooks", "fastify-hook"),
    line("Fastify + fastify-metrics", "fastify-metrics"),
    line("Fastify + @promster/fastify", "fastify-promster"),
    line(
      "Fastify + `instrumentApp`, 1 span per request, always sampled (ESM)",
      "fastify-traced@esm",
    ),
    line(
      "Fastify + `instrumentApp`, 1 span per request, always sampled (CommonJS)",
      "fastify-traced@cjs",
    ),
    line("Fastify + plain OpenTelemetry (http + @fastify/otel, 3 spans)", "fastify-otel"),
    line("Express + `metricsMiddleware` (ESM / `import`)", "express-ours@esm"),
    line("Express + `metricsMiddleware` (CommonJS / `require`)", "express-ours@cjs"),
    line("Express + a no-op middleware (the floor)", "express-noop"),
    line("Express + express-prom-bundle", "express-prom-bundle"),
    line("Express + @promster/express", "express-promster"),
    "",
    "![Server CPU per request](bench/results/http.svg)",
  ].join("\n");
}

/** Publishes `result` into docs/benchmarks.md and README.md. */
export function publish(result) {
  const docsFile = join(root, "docs", "benchmarks.md");
  const readmeFile = join(root, "README.md");
  const builds = renderBuilds(result.builds);
  const docs = [
    `Run of ${result.meta.date.slice(0, 10)}: ${rounds(result)}, ${result.meta.minutes} minutes; ${result.meta.source}; ${result.meta.requests}.`,
    "",
    renderTable(result.summary),
    "",
    ...(builds ? [builds, ""] : []),
    quietness(result.meta, result.runs)
      .split("\n")
      .map((line) => `> ${line}`)
      .join("\n>\n"),
    "",
    "![Server CPU per request](../bench/results/http.svg)",
  ].join("\n");
  writeFileSync(join(root, "bench", "results", "http.svg"), renderChart(result.summary));
  writeFileSync(docsFile, replaceBetween(readFileSync(docsFile, "utf8"), "http", docs, docsFile));
  writeFileSync(
    readmeFile,
    replaceBetween(readFileSync(readmeFile, "utf8"), "readme", readmeTable(result), readmeFile),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: node bench/publish.mjs <results.json> [--force]");
  const result = JSON.parse(readFileSync(file, "utf8"));
  const failed = result.summary.some((row) => row.checksFailed.length > 0 || row.errors > 0);
  const problems = [
    !result.meta.quiet && "the machine was not quiet",
    result.meta.source !== "the packed tarball installed into a fresh project" &&
      "not the packed tarball",
    result.meta.args.rounds < 15 && `${result.meta.args.rounds} rounds (at least 15)`,
    failed && "a check failed",
  ].filter(Boolean);
  if (problems.length > 0 && !process.argv.includes("--force")) {
    console.error(`not published: ${problems.join(", ")} (--force publishes it anyway)`);
    process.exit(1);
  }
  publish(result);
  console.log(`published ${file} into docs/benchmarks.md, README.md and bench/results/http.svg`);
}
