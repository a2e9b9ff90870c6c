/**
 * The README's "Logs and traces" snippets as written: type-checked against the built package's
 * declarations, run as a user runs them (tracing exports OTLP to an in-test receiver), asked for
 * one claim; the lines they log carry the ids of the spans the receiver got, and a line outside
 * any request carries none.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
// Inside the package, so `@crisislen/observability` resolves to dist/ by the package's
// self-reference, and fastify, express and pino from its node_modules. .cache/ is git-ignored.
const WORK = join(ROOT, ".cache", `readme-logs-${process.pid}`);
const PRELOAD = join(ROOT, "test/support/listen-on-free-port.mjs");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The ```ts blocks of the README section headed `## Logs and traces`. */
function sectionSnippets(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("Logs and traces\n"));
  if (section === undefined) throw new Error("README.md has no '## Logs and traces' section");
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

const snippets = sectionSnippets();
let receiver: OtlpReceiver;
let typeErrors = "";

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/index.d.ts")))
    throw new Error("the README snippets import the built package: run `npm run build` first");
  mkdirSync(join(WORK, "src"), { recursive: true });
  snippets.forEach((code, i) => writeFileSync(join(WORK, "src", `snippet-${i}.ts`), code));
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
      },
      include: ["src/*.ts"],
    }),
  );
  await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", WORK], {
    cwd: WORK,
  }).catch((error: { stdout?: string }) => (typeErrors = error.stdout ?? String(error)));
  receiver = await startOtlpReceiver();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  rmSync(WORK, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

/** Runs a compiled snippet, asks it for /claims/7, waits for its two spans, stops it. */
async function runSnippet(file: string) {
  const child = spawn(process.execPath, ["--import", PRELOAD, file], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_BSP_SCHEDULE_DELAY: "50",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  try {
    let port = 0;
    for (let i = 0; i < 300 && port === 0 && child.exitCode === null; i += 1) {
      port = Number(/LISTENING (\d+)/.exec(stderr)?.[1] ?? 0);
      await sleep(50);
    }
    if (port === 0) throw new Error(`the snippet did not listen:\n${stderr}${stdout}`);
    const response = await fetch(`http://127.0.0.1:${port}/claims/7`);
    const body: unknown = await response.json();
    const spans = await receiver.waitForSpans(2, 10_000);
    await sleep(100); // the access line is written as the response finishes
    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Line);
    return { body, spans, lines, stderr };
  } finally {
    child.kill("SIGKILL");
    receiver.clear();
  }
}

const ids = (line: Line | undefined) => ({
  trace_id: line?.trace_id,
  span_id: line?.span_id,
  trace_flags: line?.trace_flags,
});

describe("README 'Logs and traces' snippets, run as written", () => {
  it("has the Fastify and the Express snippet, and both type-check", () => {
    expect(snippets.map((code) => /from "(fastify|express)"/.exec(code)?.[1])).toEqual([
      "fastify",
      "express",
    ]);
    expect(typeErrors).toBe("");
  });

  it.each([
    ["Fastify", 0],
    ["Express", 1],
  ])("%s: each line carries the ids of the exported span it was written in", async (_, index) => {
    const run = await runSnippet(join(WORK, "dist", `snippet-${index}.js`));
    expect(run.body).toEqual({ id: "7", risk: 0.42 });
    expect(run.stderr.replace(/^LISTENING \d+\n/m, "")).toBe("");
    const server = run.spans.find((span) => span.kind === 1);
    const score = run.spans.find((span) => span.name === "score_claim");
    expect(server?.name).toBe("GET /claims/:id");
    expect(score?.parentSpanId).toBe(server?.spanId);
    const line = (msg: string) => run.lines.find((l) => l.msg === msg);
    expect(ids(line("claim requested"))).toEqual({
      trace_id: server?.traceId,
      span_id: server?.spanId,
      trace_flags: "01",
    });
    expect(ids(line("scoring"))).toEqual({
      trace_id: server?.traceId,
      span_id: score?.spanId,
      trace_flags: "01",
    });
    expect(ids(line("request completed"))).toEqual(ids(line("claim requested")));
    const outside = run.lines.find((l) => /^(Server listening|listening)/.test(String(l.msg)));
    expect(outside, JSON.stringify(run.lines)).toBeDefined();
    expect(ids(outside)).toEqual({
      trace_id: undefined,
      span_id: undefined,
      trace_flags: undefined,
    });
  });
});
