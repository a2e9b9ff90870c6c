/**
 * The README cannot drift from the code: every TypeScript and JavaScript block is type-checked
 * (TypeScript, against the built package's declarations, as a user's `tsc` sees them) and run as
 * an ES module that imports the package by its name, with its servers moved to free ports of
 * 127.0.0.1 (support/snippet-host.mjs). Shell blocks are parsed by bash, and the npm scripts and
 * files they name must exist. A failure names the block's line and headings.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeBlock, codeBlocks, describeBlock } from "./support/markdown.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const FILE = "README.md";
const TYPESCRIPT = new Set(["ts", "typescript"]);
const JAVASCRIPT = new Set(["js", "javascript", "mjs"]);
const SHELL = new Set(["sh", "bash", "shell"]);
const SUPPORT = join(import.meta.dirname, "support");
// Inside the package, so `import … from "@crisislen/observability"` resolves to dist/ by the
// package's self-reference, and fastify/express from its node_modules. .cache/ is git-ignored.
const WORK = join(ROOT, ".cache", `readme-snippets-${process.pid}`);

const blocks = codeBlocks(readFileSync(join(ROOT, FILE), "utf8"));
const runnable = blocks.filter((b) => TYPESCRIPT.has(b.lang) || JAVASCRIPT.has(b.lang));
const shell = blocks.filter((b) => SHELL.has(b.lang));
const where = (block: CodeBlock) => describeBlock(FILE, block);
const baseName = (block: CodeBlock) => `block-L${block.line}`;

/** tsc's diagnostics per block file name. */
const typeErrors = new Map<string, string[]>();

/** The child environment: no npm or OpenTelemetry variables of ours; no exporter reaches out. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|OTEL_)/i.test(k))),
  OTEL_TRACES_EXPORTER: "none",
};

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/index.d.ts"))) {
    throw new Error("the README snippets import the built package: run `npm run build` first");
  }
  mkdirSync(join(WORK, "src"), { recursive: true });
  for (const block of runnable) {
    // `export {}` keeps every block a module (top-level await, no shared globals).
    const ext = TYPESCRIPT.has(block.lang) ? "ts" : "mjs";
    writeFileSync(join(WORK, "src", `${baseName(block)}.${ext}`), `${block.code}\nexport {};\n`);
  }
  writeFileSync(
    join(WORK, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")],
        rootDir: "src",
        outDir: "dist",
        noEmitOnError: false,
      },
      include: ["src/*.ts"],
    }),
  );
  if (!runnable.some((block) => TYPESCRIPT.has(block.lang))) return;
  try {
    await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", WORK], {
      cwd: WORK,
    });
  } catch (error) {
    for (const line of String((error as { stdout?: string }).stdout ?? "").split("\n")) {
      // "src/block-L76.ts(10,58): error …" → "README.md:86:58: error …" (the fence is line 76).
      const match = /^src\/(block-L(\d+))\.ts\((\d+),(\d+)\):\s*(.*)$/.exec(line);
      if (match === null) continue;
      const [, file = "", fence = "0", row = "0", column = "0", message = ""] = match;
      const readmeLine = `${FILE}:${Number(fence) + Number(row)}:${column}: ${message}`;
      typeErrors.set(file, [...(typeErrors.get(file) ?? []), readmeLine]);
    }
  }
}, 120_000);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe(`${FILE} code blocks`, () => {
  it("every block names its language (ts, js and sh are checked; text is output)", () => {
    expect(blocks.filter((b) => b.lang === "").map(where)).toEqual([]);
    const quickStarts = runnable.filter((b) => b.headings[1] === "Quick start");
    expect(quickStarts.map((b) => b.headings[2])).toEqual([
      "Fastify",
      "Express",
      "Plain `node:http`",
    ]);
  });

  it.each(runnable.map((block) => [where(block), block] as const))(
    "%s type-checks and runs",
    async (_where, block) => {
      const name = baseName(block);
      const errors = typeErrors.get(name) ?? [];
      expect(errors, `${where(block)} does not type-check:\n${errors.join("\n")}`).toEqual([]);
      const file = TYPESCRIPT.has(block.lang)
        ? join(WORK, "dist", `${name}.js`)
        : join(WORK, "src", `${name}.mjs`);
      const result = await run(
        process.execPath,
        ["--import", join(SUPPORT, "snippet-host.mjs"), join(SUPPORT, "snippet-runner.mjs"), file],
        { cwd: ROOT, env, timeout: 30_000 },
      ).catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
        stdout: error.stdout ?? "",
        stderr: `exit ${String(error.code)}\n${error.stderr ?? ""}`,
      }));
      expect(result.stderr, `${where(block)} failed when run:\n${result.stderr}`).toBe("");
      // The runner's own line, wherever it falls: a snippet's logger (pino writes asynchronously)
      // may flush its lines before or after it.
      expect(result.stdout).toMatch(/^\{"servers":\d+,"workers":\d+\}$/m);
    },
  );

  it.each(shell.map((block) => [where(block), block] as const))(
    "%s parses, and the scripts and files it names exist",
    async (_where, block) => {
      await expect(
        run("bash", ["-n", "-c", block.code]).then(() => "ok"),
        `${where(block)} is not valid shell`,
      ).resolves.toBe("ok");
      const scripts = Object.keys(
        (
          JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
            scripts: Record<string, string>;
          }
        ).scripts,
      );
      const code = block.code.replace(/#.*$/gm, "");
      const missingScripts = [...code.matchAll(/\bnpm run (?:--\S+ )*([\w:-]+)/g)]
        .map((match) => match[1] ?? "")
        .filter((script) => !scripts.includes(script));
      expect(missingScripts, `${where(block)} runs npm scripts that do not exist`).toEqual([]);
      // Repository paths, and the package's own files as a user's node_modules holds them.
      const paths =
        /(?:^|\s)(?:node_modules\/@crisislen\/observability\/)?((?:examples|deploy|scripts|bench|docs)\/[^\s;&|]+)/g;
      const missingFiles = [...code.matchAll(paths)]
        .map((match) => (match[1] ?? "").replace(/\/$/, ""))
        .filter((path) => !existsSync(join(ROOT, path)));
      expect(missingFiles, `${where(block)} names files that do not exist`).toEqual([]);
    },
  );
});
