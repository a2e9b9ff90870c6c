/**
 * Real child processes for the end-to-end tests: the examples and Prometheus. Output is kept for
 * assertions and for the error message when something does not start; every process started
 * here is killed by `stopAll()` (call it in afterAll), whatever state the test left it in.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The examples import the package by its name, i.e. from the built dist/. */
export function assertDistBuilt(): void {
  if (!existsSync(path.join(repoRoot, "dist/index.js"))) {
    throw new Error(
      "dist/ is missing: the examples import @crisislen/observability from the build. Run `npm run build` first (`npm test` does).",
    );
  }
}

/** The parent's environment without the settings the examples read, so the tests set them all. */
export function cleanEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OTEL_|SHUTDOWN_|METRICS_)/.test(key)) continue;
    if (["PORT", "HOST", "SCORING_DELAY_MS", "REPORT_FAIL_EVERY", "NODE_OPTIONS"].includes(key))
      continue;
    env[key] = value;
  }
  return { ...env, ...overrides };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class RunningProcess {
  output = "";
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once("error", (error) => {
        this.output += `\n[spawn error] ${error.message}`;
        this.exit = { code: -1, signal: null };
        resolve(this.exit);
      });
    });
  }

  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match !== null) return match;
      if (this.exit !== undefined || Date.now() > deadline) {
        const why =
          this.exit === undefined
            ? `not within ${timeoutMs} ms`
            : `exited ${JSON.stringify(this.exit)}`;
        throw new Error(
          `${this.name}: no ${pattern} in its output (${why}). Output:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and waits up to `timeoutMs` for the exit; then SIGKILL. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<Exit> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

const started = new Set<RunningProcess>();

export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): RunningProcess {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const running = new RunningProcess(name, child);
  started.add(running);
  return running;
}

/** Starts `node <script>` from the repository root, as the README tells users to. */
export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  return startProcess(script, process.execPath, [script, ...args], env);
}

/** Kills every process started here that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...started].map(async (running) => {
      if (running.exit === undefined) await running.stop("SIGKILL", 5_000);
      started.delete(running);
    }),
  );
}
