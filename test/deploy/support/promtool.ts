import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { toRuleFile, type RuleGroup } from "./dashboard-queries.js";
import { run, toolPath, type RunResult } from "./tools.js";

/** A temp dir holding rules.yaml (plain rule groups, as promtool reads no PrometheusRule CRD). */
export async function writeRuleFile(groups: RuleGroup[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "crisislen-promtool-"));
  await writeFile(path.join(dir, "rules.yaml"), toRuleFile(groups));
  return dir;
}

export function promtool(args: string[], cwd: string): Promise<RunResult> {
  return run(toolPath("promtool"), args, { cwd, timeoutMs: 30_000 });
}

/** Writes a promtool unit-test file into dir and runs `promtool test rules` on it. */
export async function promtoolTest(dir: string, testFile: object | string): Promise<RunResult> {
  const text = typeof testFile === "string" ? testFile : stringify(testFile);
  await writeFile(path.join(dir, "unit.test.yaml"), text);
  return promtool(["test", "rules", "unit.test.yaml"], dir);
}
