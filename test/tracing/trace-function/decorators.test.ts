/**
 * `traceFunction` as a real decorator: the fixture is compiled by tsc under TC39 standard
 * decorators and under legacy `experimentalDecorators` + `emitDecoratorMetadata`, then run.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../..");

const expectedSpans = [
  { name: "score", parent: "process_claim", status: 0, message: null, events: [], attributes: {} },
  {
    name: "process_claim",
    parent: null,
    status: 0,
    message: null,
    events: [],
    attributes: { "claim.id": 41 },
  },
  { name: "score", parent: null, status: 0, message: null, events: [], attributes: {} },
  { name: "score", parent: null, status: 0, message: null, events: [], attributes: {} },
  {
    name: "explode",
    parent: null,
    status: 2,
    message: "sync boom",
    events: ["exception"],
    attributes: {},
  },
  {
    name: "reject",
    parent: null,
    status: 2,
    message: "async boom",
    events: ["exception"],
    attributes: {},
  },
  { name: "error_handler", parent: null, status: 0, message: null, events: [], attributes: {} },
];

async function compileAndRun(mode: "standard" | "legacy"): Promise<Record<string, unknown>> {
  const outDir = join(ROOT, ".cache", `trace-function-${mode}-${process.pid}`);
  try {
    await run(
      join(ROOT, "node_modules/.bin/tsc"),
      ["-p", join(import.meta.dirname, `tsconfig.${mode}.json`), "--outDir", outDir],
      { cwd: ROOT },
    );
    const { stdout } = await run(
      process.execPath,
      [join(outDir, "test/tracing/trace-function/fixture/claims.js")],
      { cwd: ROOT },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

describe.each(["standard", "legacy"] as const)("traceFunction as a %s decorator", (mode) => {
  it("keeps sync sync, settles async, records and rethrows errors, keeps identity and reflect-metadata", async () => {
    const report = await compileAndRun(mode);
    expect(report).toEqual({
      beforeStart: { score: 2, isPromise: false },
      asyncResult: 84,
      syncResult: 3,
      syncIsPromise: false,
      syncError: "sync boom",
      asyncError: "async boom",
      identity: {
        name: "processClaim",
        length: 2,
        errorHandlerName: "handleError",
        errorHandlerLength: 4,
        errorHandlerResult: "handled e",
      },
      // design:paramtypes exists only where TypeScript emits it (legacy + emitDecoratorMetadata)
      metadata: { role: "admin", paramtypes: mode === "legacy" ? ["Claim", "Object"] : [] },
      spans: expectedSpans,
    });
  }, 60_000);
});
