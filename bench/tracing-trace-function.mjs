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
  entryPoints: [join(root, "src/trace-function.ts")],
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
console.log(`  → overhead ${(noop - plain).toFixed(1)} ns per call (target < 100 ns)`);

const { BasicTracerProvider, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
const nullExporter = { export: (_s, cb) => cb({ code: 0 }), shutdown: async () => {} };
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(nullExporter)] }),
);
const tracer = trace.getTracer("bench");
const M = Math.floor(N / 10);
const raw = measure(
  "raw tracer.startActiveSpan + end",
  (i) =>
    tracer.startActiveSpan("work", (span) => {
      const r = work(i);
      span.end();
      return r;
    }),
  M,
);
const sdk = measure("traceFunction, SDK started", traced, M);
console.log(`  → ratio ${(sdk / raw).toFixed(2)}× of raw startActiveSpan (target ≤ 1.2×)`);
