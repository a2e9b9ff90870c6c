/** The built package as `npm pack` makes it, for tests that install it like a user. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, "../../..");

/** The environment of every child: ours without npm's lifecycle and OpenTelemetry variables. */
export const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|OTEL_)/i.test(key)),
);

/** Packs the built tree into `destination` and returns the tarball's path. */
export async function packTarball(destination: string): Promise<string> {
  if (!existsSync(join(ROOT, "dist/index.js"))) {
    throw new Error(
      "dist/ is missing: run `npm run build` first (scripts/test.sh builds before vitest)",
    );
  }
  // --ignore-scripts: the prepack build would rebuild dist/ under other test files reading it.
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", destination],
    { cwd: ROOT, env: childEnv },
  );
  const [info] = JSON.parse(stdout) as { filename: string }[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  return join(destination, info.filename);
}

/** `npm install` in `cwd` from npm's cache where it can; resolves with its output, even on failure. */
export async function npmInstall(
  cwd: string,
  args: readonly string[],
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", ...args],
      { cwd, env: childEnv, timeout: 180_000 },
    );
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}
