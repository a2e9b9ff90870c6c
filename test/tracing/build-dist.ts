/**
 * Builds the preload and instrumentApp (tsup, ESM + CJS) into `.cache/` for the child-process
 * tests, once per source state: the output directory is keyed by the sources' mtimes and sizes,
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

/** Returns the directory holding `register.js/.cjs` and `tracing.js/.cjs`. */
export async function buildTracingDist(): Promise<string> {
  const outDir = join(ROOT, ".cache", `tracing-dist-${sourceKey()}`);
  if (existsSync(join(outDir, "register.cjs")) && existsSync(join(outDir, "tracing.cjs")))
    return outDir;
  const { build } = await import("tsup");
  await build({
    config: false,
    entry: {
      register: join(ROOT, "src/register.ts"),
      tracing: join(ROOT, "src/tracing/instrument-app.ts"),
    },
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
