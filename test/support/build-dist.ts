/**
 * Builds entry points of src/ (tsup, ESM + CJS) into `.cache/` for tests that load built
 * copies, once per source state: the output directory is keyed by the sources' mtimes and sizes,
 * so an unchanged tree reuses the previous build (no global setup needed).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

function sourceKey(): string {
  const hash = createHash("sha1");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const st = statSync(path);
        hash.update(`${path}:${st.mtimeMs}:${st.size};`);
      }
    }
  };
  walk(join(ROOT, "src"));
  return hash.digest("hex").slice(0, 12);
}

/** Builds `entries` (name → file under src/) into one directory per source state; returns it. */
export async function buildDist(label: string, entries: Record<string, string>): Promise<string> {
  const outDir = join(ROOT, ".cache", `${label}-dist-${sourceKey()}`);
  const names = Object.keys(entries);
  if (names.every((name) => existsSync(join(outDir, `${name}.cjs`)))) return outDir;
  const { build } = await import("tsup");
  await build({
    config: false,
    entry: Object.fromEntries(names.map((name) => [name, join(ROOT, "src", entries[name]!)])),
    format: ["esm", "cjs"],
    outDir,
    target: "node20",
    splitting: false,
    dts: false,
    silent: true,
    external: [/^@opentelemetry\//, /^@fastify\//, "import-in-the-middle"],
  });
  return outDir;
}

/** Returns the directory holding `register.js/.cjs` and `tracing.js/.cjs`. */
export function buildTracingDist(): Promise<string> {
  return buildDist("tracing", { register: "register.ts", tracing: "tracing/instrument-app.ts" });
}
