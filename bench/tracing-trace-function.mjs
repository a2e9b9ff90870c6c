// traceFunction overhead: never-started (no provider) vs a plain call, and with the SDK vs a raw
// tracer.startActiveSpan. Run: node bench/tracing-trace-function.mjs  (builds src/ with esbuild).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const out = join(root, ".cache", "bench", "trace-function.mjs");
mkdirSync(join(root, ".cache", "bench"), { recursive: true });
await build({
  entryPoints: [join(root, "src/tracing/trace-function.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: out,
  external: ["@opentelemetry/*"],
  logLevel: "error",
});
const { traceFunction } = await import(pathToFileURL(out).href);
const { trace, context } = await import("@opentelemetry/api");

const N = Number(process.env.N ?? 2_000_000);
function measure(label, fn, n = N) {
  for (let i = 0; i < n / 10; i++) fn(i); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(8)} ns/call`);
  return ns;
}

const work = (i) => i * 2 + 1;
const traced = traceFunction("work")(work);
console.log(`node ${process.version}, ${N} calls each`);
const plain = measure("plain call", work);
const noop = measure("traceFunction, tracing never started", traced);
console.log(`  → overhead ${(noop - plain).toFixed(1)} ns per call (target ≤ 50 ns)`);

const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
// A processor that keeps nothing: the comparison is about creating, activating and ending spans,
// not about an exporter's queue (which would grow through the run and skew later samples).
const discard = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [discard] }));
const tracer = trace.getTracer("bench");
const rawCall = (i) =>
  tracer.startActiveSpan("work", (span) => {
    const r = work(i);
    span.end();
    return r;
  });
const M = Math.floor(N / 20);
// Interleaved samples (raw, traced, raw, traced, …), medians: a slow phase of the shared machine
// hits both the same way.
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = (fn) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < M; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / M;
};
for (let i = 0; i < M; i++) {
  rawCall(i);
  traced(i);
}
const rawSamples = [];
const tracedSamples = [];
for (let sample = 0; sample < 9; sample++) {
  rawSamples.push(time(rawCall));
  tracedSamples.push(time(traced));
}
const raw = median(rawSamples);
const sdk = median(tracedSamples);
console.log(
  `${"raw tracer.startActiveSpan + end".padEnd(44)} ${raw.toFixed(1).padStart(8)} ns/call`,
);
console.log(`${"traceFunction, SDK started".padEnd(44)} ${sdk.toFixed(1).padStart(8)} ns/call`);
console.log(`  → ratio ${(sdk / raw).toFixed(2)}× of raw startActiveSpan (target ≤ 1.1×)`);
