/**
 * The runtime fixture (test/fixtures/runtime/app.ts) as a real process: bundled once with
 * esbuild (node_modules left external, so the bundle lives inside node_modules/.cache), started
 * with the environment a test gives it, on a free port of 127.0.0.1.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../../..");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface Service {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Starts the bundled fixture and resolves once it prints its port. */
export async function startService(
  bundle: string,
  framework: string,
  env: Record<string, string>,
): Promise<Service> {
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", FRAMEWORK: framework, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (done) => child.once("exit", (code, signal) => done({ code, signal, at: Date.now() })),
  );
  for (let i = 0; i < 200; i += 1) {
    const match = /LISTENING (\d+)/.exec(out);
    if (match !== null)
      return { child, port: Number(match[1]), stdout: () => out, stderr: () => err, exited };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`service did not start: ${err || out}`);
}
