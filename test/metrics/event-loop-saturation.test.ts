/**
 * The runtime health metrics of a real service process (test/fixtures/event-loop/app.ts, bundled
 * here with esbuild) whose event loop is blocked by 200 ms of synchronous work every second, and
 * then left idle, scraped over HTTP as Prometheus would.
 *
 * Scrapes fall half-way between two bursts (bursts start 1 s, 2 s, … after /burn), so a window of
 * k seconds holds exactly k bursts. Bounds are ranges that hold on a loaded 2-core machine: a
 * burst is 200 ms of wall-clock time whatever the CPU contention, and an idle loop stays idle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture } from "../support/bundle-fixture.js";
import { get } from "../health/http-client.js";
import { parseExposition, valueOf } from "../support/exposition.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
let bundle = "";
let remove = (): void => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let child: ChildProcess | undefined;
let port = 0;
const measured: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  ({ bundle, remove } = await bundleFixture("event-loop", "crisislen-event-loop-tests"));
  child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  for (let i = 0; i < 200 && port === 0; i += 1) {
    port = Number(/LISTENING (\d+)/.exec(out)?.[1] ?? 0);
    await sleep(50);
  }
  if (port === 0) throw new Error(`the event-loop fixture did not start: ${out}`);
}, 30_000);

afterAll(() => {
  child?.kill("SIGKILL");
  remove();
  console.info("event-loop saturation measured:", JSON.stringify(measured));
});

async function scrape() {
  const samples = parseExposition((await get(port, "/metrics")).body);
  return {
    utilization: valueOf(samples, "nodejs_eventloop_utilization_ratio"),
    p99: valueOf(samples, "nodejs_eventloop_lag_p99_seconds"),
    p50: valueOf(samples, "nodejs_eventloop_lag_p50_seconds"),
    heapUsed: valueOf(samples, "nodejs_heap_size_used_bytes"),
    heapLimit: valueOf(samples, "nodejs_heap_size_limit_bytes"),
  };
}

describe("runtime health of a service whose event loop is blocked 200 ms every second", () => {
  it("idle: utilisation near 0 and delay p99 near the 10 ms sampling interval", async () => {
    await scrape(); // starts the window (and resets prom-client's delay histogram)
    await sleep(2_000);
    const idle = await scrape();
    measured.idleBefore = idle;
    expect(idle.utilization).toBeGreaterThanOrEqual(0);
    expect(idle.utilization).toBeLessThan(0.1);
    expect(idle.p99).toBeLessThan(0.1);
    // The heap limit is V8's (hundreds of MB at least), far above what this small service uses.
    expect(idle.heapLimit).toBeGreaterThan(256 * 2 ** 20);
    expect(idle.heapUsed).toBeLessThan(idle.heapLimit / 4);
  });

  it("burning: utilisation rises to the burnt share (0.2) and delay p99 to the 200 ms block", async () => {
    expect((await get(port, "/burn?ms=200&every=1000")).body).toBe("burning");
    await sleep(500);
    await scrape(); // half-way between bursts: the window starts here
    await sleep(3_000); // three bursts, at 1 s, 2 s and 3 s
    const burning = await scrape();
    measured.burning = burning;
    expect(burning.utilization).toBeGreaterThan(0.15);
    expect(burning.utilization).toBeLessThan(0.45);
    expect(burning.p99).toBeGreaterThan(0.15);
    expect(burning.p99).toBeLessThan(1);
    // Most ticks are on time: the median stays at the sampling interval.
    expect(burning.p50).toBeLessThan(0.1);
  }, 15_000);

  it("idle again: both fall back", async () => {
    expect((await get(port, "/idle")).body).toBe("idle");
    await scrape();
    await sleep(2_000);
    const idle = await scrape();
    measured.idleAfter = idle;
    expect(idle.utilization).toBeLessThan(0.1);
    expect(idle.p99).toBeLessThan(0.1);
  });
});
