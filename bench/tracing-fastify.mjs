// Fastify with tracing on (always sampling, batch export to a null exporter) vs bare Fastify.
// Each variant runs in its own child process. Run: node bench/tracing-fastify.mjs [seconds]
import { fork } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
const seconds = Number(process.argv[2] ?? 8);

if (process.env.BENCH_VARIANT) {
  const { default: Fastify } = await import("fastify");
  const app = Fastify();
  if (process.env.BENCH_VARIANT === "traced") {
    const { instrumentApp } = await import(process.env.BENCH_TRACING);
    const nullExporter = { export: (_s, cb) => cb({ code: 0 }), shutdown: async () => {} };
    await instrumentApp(app, {
      exporter: nullExporter,
      sampler: "always_on",
      batch: { scheduledDelayMillis: 200 },
    });
  }
  app.get("/claims/:id", async (req) => ({ id: req.params.id, ok: true }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { default: autocannon } = await import("autocannon");
  const result = await autocannon({
    url: `http://127.0.0.1:${app.server.address().port}/claims/42`,
    connections: 10,
    duration: seconds,
  });
  process.send({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
  await app.close();
  process.exit(0);
}

const { build } = await import("esbuild");
const out = join(root, ".cache", "bench", "tracing.mjs");
mkdirSync(join(root, ".cache", "bench"), { recursive: true });
await build({
  entryPoints: [join(root, "src/tracing/instrument-app.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  packages: "external",
  outfile: out,
  logLevel: "error",
});

const runVariant = (variant) =>
  new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, [String(seconds)], {
      env: { ...process.env, BENCH_VARIANT: variant, BENCH_TRACING: pathToFileURL(out).href },
    });
    child.once("message", resolve);
    child.once("error", reject);
  });

const bare = await runVariant("bare");
const traced = await runVariant("traced");
console.log(`bare   : ${bare.rps.toFixed(0)} req/s, p50 ${bare.p50} ms, p99 ${bare.p99} ms`);
console.log(`traced : ${traced.rps.toFixed(0)} req/s, p50 ${traced.p50} ms, p99 ${traced.p99} ms`);
console.log(
  `ratio  : ${(traced.rps / bare.rps).toFixed(2)} of bare req/s (target ≥ 0.40); +${(1e6 / traced.rps - 1e6 / bare.rps).toFixed(1)} µs per request`,
);
