/**
 * `npm test` runs the suite twice and says which Node each pass ran on (scripts/test.sh): first
 * on the Node that runs npm, then on Node 24 from `.cache/node24/` (fetched by
 * scripts/ensure-tools.sh). These tests hold the script to its word: a pass runs on the binary
 * it announced, and nothing in node_modules/.bin shadows `node` for npm scripts (a devDependency
 * shipping a `node` bin did, so the "Node 20" pass and `npm run demo` ran Node 24).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const announcedVersion = process.env.CRISISLEN_TEST_NODE_VERSION;
const announcedPath = process.env.CRISISLEN_TEST_NODE_PATH;

describe("the Node the suite runs on", () => {
  it.skipIf(announcedVersion === undefined)(
    "is the binary and version scripts/test.sh announced for this pass",
    () => {
      expect(process.version).toBe(announcedVersion);
      expect(realpathSync(process.execPath)).toBe(realpathSync(announcedPath ?? ""));
    },
  );

  it.skipIf(process.env.CRISISLEN_TEST_PASS !== "npm-node")(
    "is, in the first pass, the Node that runs npm",
    () => {
      const npmNode = process.env.npm_node_execpath ?? "";
      expect(realpathSync(process.execPath)).toBe(realpathSync(npmNode));
    },
  );

  it.skipIf(process.env.CRISISLEN_TEST_PASS !== "node24")("is Node 24 in the second pass", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
  });

  it("npm scripts run `node` as the Node that runs npm: node_modules/.bin does not shadow it", async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
    );
    const { stdout } = await run(
      "npm",
      ["exec", "--offline", "-c", 'node -p process.execPath && echo "$npm_node_execpath"'],
      { cwd: ROOT, env, timeout: 30_000 },
    );
    const [scriptNode = "", npmNode = ""] = stdout.trim().split("\n");
    expect(realpathSync(scriptNode)).toBe(realpathSync(npmNode));
  });

  it("leaves out of the Node 24 pass only files that exist and do not test the package on Node", () => {
    const script = readFileSync(resolve(ROOT, "scripts/test.sh"), "utf8");
    const list = /NODE_INDEPENDENT=\(\n([\s\S]*?)\n\)/.exec(script)?.[1] ?? "";
    const globs = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(globs.length).toBeGreaterThan(0);
    const testFiles = readdirSync(resolve(ROOT, "test"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => `test/${f}`);
    for (const glob of globs) {
      // A renamed file would leave a stale exclusion behind and silently run twice — or a glob
      // grown too wide would drop behaviour tests from the Node 24 pass.
      const files = testFiles.filter((f) =>
        glob.endsWith("/**") ? f.startsWith(glob.slice(0, -2)) : f === glob,
      );
      expect(files, glob).not.toHaveLength(0);
      for (const file of files) {
        expect(file, `${glob} must not exclude this file`).not.toMatch(
          /^test\/(metrics|http|fastify|express|tracing|shutdown|health|exposition|reliability)\//,
        );
      }
    }
    expect(globs).not.toContain("test/repo/node-runtime.test.ts");
    expect(globs).not.toContain("test/repo/readme-snippets.test.ts");
  });
});
