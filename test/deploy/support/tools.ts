import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./paths.js";

const execFileAsync = promisify(execFile);

/** External tools the deploy tests run; helm and kubectl come from .cache/bin (scripts/ensure-tools.sh). */
export type Tool =
  | "helm"
  | "kubectl"
  | "promtool"
  | "shellcheck"
  | "yamllint"
  | "amtool"
  | "prometheus-alertmanager";

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const resolved = new Map<Tool, string>();

/** The tool's path: `.cache/bin/<name>` first, then PATH. Throws naming the fix when it is missing. */
export function toolPath(name: Tool): string {
  const cached = resolved.get(name);
  if (cached) return cached;
  const candidates = [
    path.join(repoRoot, ".cache/bin", name),
    ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, name)),
  ];
  const found = candidates.find(isExecutable);
  if (!found) {
    throw new Error(
      `${name} not found in .cache/bin or on PATH; run: bash scripts/ensure-tools.sh`,
    );
  }
  resolved.set(name, found);
  return found;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** @default 20_000 */
  timeoutMs?: number;
}

/** Runs a binary without a shell, with a bounded time; resolves with the exit code instead of throwing. */
export async function run(
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 20_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: unknown; killed?: boolean };
    if (typeof failure.code !== "number") throw error;
    return { stdout: failure.stdout ?? "", stderr: failure.stderr ?? "", code: failure.code };
  }
}

/** Runs a tool and throws with its output when it exits non-zero. */
export async function runTool(
  name: Tool,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await run(toolPath(name), args, options);
  if (result.code !== 0) {
    throw new Error(
      `${name} ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}
