/**
 * The decorator type tests under the legacy dialect: decorators.test-d.ts compiled by tsc with
 * `experimentalDecorators` and `emitDecoratorMetadata` (NestJS's settings). Every
 * `@ts-expect-error` there must still be an error, and nothing else may be.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

it("traceFunction's decorator types hold under experimentalDecorators", async () => {
  const result = await run(
    join(ROOT, "node_modules/.bin/tsc"),
    ["-p", join(import.meta.dirname, "tsconfig.legacy.json"), "--pretty", "false"],
    { cwd: ROOT },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
  expect(result.stdout).toBe("");
});
