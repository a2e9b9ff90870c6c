import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { toRuleFile, type RuleGroup } from "./dashboard-queries.js";
import { run, toolPath, type RunResult } from "./tools.js";

/**
 * A temp dir holding a plain rule file (promtool reads no PrometheusRule CRD).
 *
 * @param name file name, as the unit-test files' `rule_files` expect it. @default "rules.yaml"
 */
export async function writeRuleFile(groups: RuleGroup[], name = "rules.yaml"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "crisislen-promtool-"));
  await writeFile(path.join(dir, name), toRuleFile(groups));
  return dir;
}

/** @param timeoutMs @default 30_000 */
export function promtool(args: string[], cwd: string, timeoutMs = 30_000): Promise<RunResult> {
  return run(toolPath("promtool"), args, { cwd, timeoutMs });
}

/**
 * Writes a promtool unit-test file into dir and runs `promtool test rules` on it.
 *
 * @param timeoutMs @default 30_000
 * @param name the test file's name in dir. @default "unit.test.yaml"
 */
export async function promtoolTest(
  dir: string,
  testFile: object | string,
  timeoutMs = 30_000,
  name = "unit.test.yaml",
): Promise<RunResult> {
  const text = typeof testFile === "string" ? testFile : stringify(testFile);
  await writeFile(path.join(dir, name), text);
  return promtool(["test", "rules", name], dir, timeoutMs);
}
