/**
 * A release from a fresh clone ships the build: `npm pack` (and so `npm publish`) runs the
 * `prepack` script, which builds dist/. The clone is simulated by copying exactly the files git
 * would check out (tracked and not ignored) into an empty folder, with no dist/.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const DIST_FILES = ["index", "register"].flatMap((entry) =>
  ["js", "cjs", "d.ts", "d.cts"].map((ext) => `dist/${entry}.${ext}`),
);

let clone = "";

beforeAll(async () => {
  clone = mkdtempSync(join(tmpdir(), "crisislen-fresh-clone-"));
  const { stdout } = await run("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of stdout.split("\0").filter((path) => path !== "")) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(ROOT, file), join(clone, file));
  }
  // As after `npm ci`: the dependencies are there, the build is not.
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
});

afterAll(() => {
  if (clone !== "") rmSync(clone, { recursive: true, force: true });
});

describe("npm pack from a fresh clone", () => {
  it("builds dist/ first (prepack), so the tarball holds the build", async () => {
    expect(existsSync(join(clone, "dist")), "the clone starts without dist/").toBe(false);
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
    );
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], {
      cwd: clone,
      env,
      timeout: 200_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    // Lifecycle scripts print to stdout before the JSON, which starts with a line "[".
    const [info] = JSON.parse(stdout.slice(stdout.search(/^\[$/m))) as {
      files: { path: string }[];
    }[];
    const paths = (info?.files ?? []).map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(DIST_FILES));
  }, 240_000);
});
