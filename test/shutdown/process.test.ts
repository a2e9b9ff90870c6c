/**
 * The Kubernetes contract end to end: a real service process (test/fixtures/runtime/app.ts,
 * bundled here with esbuild) gets SIGTERM while slow requests are in flight.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { get } from "../health/http-client.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
// Inside node_modules, so the bundle's external imports (fastify, express, OTel) resolve.
const outDir = join(root, "node_modules/.cache/crisislen-runtime-tests", String(process.pid));
const bundle = join(outDir, "app.mjs");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "test/fixtures/runtime/app.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Service {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const running: ChildProcess[] = [];
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  receiver.clear();
});

async function startService(framework: string, env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      FRAMEWORK: framework,
      PORT: "0",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "60000", // spans stay queued until the shutdown flushes them
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  for (let i = 0; i < 200; i += 1) {
    const match = /LISTENING (\d+)/.exec(out);
    if (match !== null)
      return { child, port: Number(match[1]), stdout: () => out, stderr: () => err, exited };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`service did not start: ${err || out}`);
}

/** Waits until `predicate` holds, polling every 10 ms for at most `limitMs`; returns the elapsed ms or -1. */
async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  limitMs: number,
  since = Date.now(),
): Promise<number> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (await predicate()) return Date.now() - since;
    await sleep(10);
  }
  return -1;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/**
 * stderr without the tracing setup's advice about instrumentation order, which this fixture
 * triggers on purpose-independent grounds (frameworks loaded before the require hook; a fresh
 * Fastify router printing "(empty tree)"); everything else the service printed must be expected.
 */
const TRACING_SETUP_ADVICE =
  /^@crisislen\/observability: (instrumentApp\(app\) was called after routes|express is not instrumented)/;
const ownStderr = (service: Service) =>
  service
    .stderr()
    .split("\n")
    .filter((line) => line !== "" && !TRACING_SETUP_ADVICE.test(line));

const count = (text: string, line: string) => text.split("\n").filter((l) => l === line).length;

const DRAIN_MS = 600;
const BOUND_MS = 5000;
export const measured: Record<string, number> = {};

describe.each(["fastify5", "fastify4", "express5", "express4"])("SIGTERM – %s", (framework) => {
  it("drains: readiness 503, then connections refused, in-flight requests 200, queued spans exported, exit 0 within the bound", async () => {
    const service = await startService(framework, {
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
      SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
    });
    const { port } = service;
    expect((await get(port, "/span")).body).toBe("recorded");
    expect((await get(port, "/health/ready")).status).toBe(200);
    const slow = [1200, 1400, 1600].map((ms) => get(port, `/slow?ms=${ms}`));
    expect(
      await waitFor(() => count(service.stdout(), "STARTED") === 3, 2000),
    ).toBeGreaterThanOrEqual(0);
    expect(receiver.spans().length).toBe(0); // still in the batch queue

    const signalledAt = Date.now();
    service.child.kill("SIGTERM");

    const notReadyAt = await waitFor(
      async () => (await get(port, "/health/ready")).status === 503,
      DRAIN_MS,
      signalledAt,
    );
    expect(notReadyAt).toBeGreaterThanOrEqual(0);
    expect(notReadyAt).toBeLessThan(DRAIN_MS);
    const draining = await get(port, "/health/ready");
    expect([draining.status, draining.body]).toEqual([
      503,
      '{"status":"shutting_down","checks":{}}',
    ]);
    expect((await get(port, "/health/live")).status).toBe(200);

    const refusedAt = await waitFor(() => refused(port), 1500, signalledAt);
    expect(refusedAt).toBeGreaterThanOrEqual(DRAIN_MS - 20);
    expect(refusedAt).toBeLessThan(DRAIN_MS + 500);

    const answers = await Promise.all(slow);
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, "done"],
      [200, "done"],
      [200, "done"],
    ]);
    expect(await refused(port)).toBe(true);

    const exit = await service.exited;
    const tookMs = exit.at - signalledAt;
    measured[framework] = tookMs;
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(tookMs).toBeLessThan(BOUND_MS);
    expect(ownStderr(service)).toEqual([]);

    const names = receiver.spans().map((span) => span.name);
    expect(names).toContain("queued-before-signal");
    expect(names.filter((name) => name.startsWith("GET")).length).toBeGreaterThanOrEqual(3);
    expect(names.some((name) => name.includes("/health"))).toBe(false);
  });
});

describe("SIGTERM – failures", () => {
  it("an overrun exits 1 naming the request still in flight", async () => {
    const service = await startService("fastify5", {
      SHUTDOWN_DRAIN_DELAY_MS: "200",
      SHUTDOWN_TIMEOUT_MS: "1500",
    });
    const slow = get(service.port, "/slow?ms=10000").catch((error: Error) => error);
    expect(
      await waitFor(() => count(service.stdout(), "STARTED") === 1, 2000),
    ).toBeGreaterThanOrEqual(0);
    const signalledAt = Date.now();
    service.child.kill("SIGTERM");
    const exit = await service.exited;
    const tookMs = exit.at - signalledAt;
    measured.overrun = tookMs;
    expect(exit.code).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(1490);
    expect(tookMs).toBeLessThan(2500);
    expect(ownStderr(service)).toEqual([
      "@crisislen/observability: graceful shutdown did not finish within 1500 ms; exiting with code 1, still pending: 1 request in flight (GET /slow)",
    ]);
    expect(await slow).toBeInstanceOf(Error);
  });

  it("a second SIGTERM exits 1 at once", async () => {
    const service = await startService("express5", {
      SHUTDOWN_DRAIN_DELAY_MS: "3000",
      SHUTDOWN_TIMEOUT_MS: "10000",
    });
    const signalledAt = Date.now();
    service.child.kill("SIGTERM");
    expect(
      await waitFor(async () => (await get(service.port, "/health/ready")).status === 503, 2000),
    ).toBeGreaterThanOrEqual(0);
    service.child.kill("SIGTERM");
    const exit = await service.exited;
    measured.secondSignal = exit.at - signalledAt;
    expect(exit.code).toBe(1);
    expect(exit.at - signalledAt).toBeLessThan(1500);
    expect(ownStderr(service)).toEqual([
      "@crisislen/observability: received SIGTERM again during graceful shutdown; exiting with code 1, still pending: the 3000 ms drain delay",
    ]);
  });

  afterAll(() => {
    process.stdout.write(
      `runtime shutdown timings (ms from SIGTERM to exit): ${JSON.stringify(measured)}\n`,
    );
  });
});
