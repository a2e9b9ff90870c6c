/**
 * A test fixture app (test/fixtures/<name>/app.ts) bundled with esbuild for a real child process:
 * node_modules left external, so the bundle lives inside node_modules/.cache, where its imports
 * (prom-client, fastify, express, OpenTelemetry) resolve. One folder per test process.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "../..");

/** Bundles `test/fixtures/<fixture>/app.ts` under `node_modules/.cache/<cacheName>/<pid>`. */
export async function bundleFixture(
  fixture: string,
  cacheName: string,
): Promise<{ bundle: string; remove: () => void }> {
  const outDir = join(root, "node_modules/.cache", cacheName, String(process.pid));
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, "app.mjs");
  await build({
    entryPoints: [join(root, "test/fixtures", fixture, "app.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  return { bundle, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
