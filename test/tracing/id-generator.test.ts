import { randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POOL_BYTES, PooledIdGenerator } from "../../src/tracing/id-generator.js";

/** A random source that keeps a copy of every pool it filled, as hex. */
function recordingFill(fill: (bytes: Buffer, call: number) => void = (b) => randomFillSync(b)) {
  const pools: string[] = [];
  return {
    pools,
    fill: (bytes: Buffer) => {
      fill(bytes, pools.length);
      pools.push(bytes.toString("hex"));
    },
  };
}

const POOL_CHARS = POOL_BYTES * 2;

describe("PooledIdGenerator", () => {
  it("gives 100,000 distinct W3C trace ids and span ids (lowercase hex, 32 and 16 characters)", () => {
    const random = recordingFill();
    const ids = new PooledIdGenerator(random.fill);
    const n = 100_000;
    const traces = new Set<string>();
    const spans = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < n; i++) {
      const trace = ids.generateTraceId();
      const span = ids.generateSpanId();
      if (!/^[0-9a-f]{32}$/.test(trace)) malformed.push(trace);
      if (!/^[0-9a-f]{16}$/.test(span)) malformed.push(span);
      traces.add(trace);
      spans.add(span);
    }
    expect(malformed).toEqual([]);
    expect(traces.size).toBe(n);
    expect(spans.size).toBe(n);
    // 48 characters per pair; at most 16 of a pool's 512 are dropped (a trace id that no
    // longer fits), so the pool was refilled between n·48/512 and n·48/496 times.
    expect(random.pools.length).toBeGreaterThanOrEqual(Math.ceil((n * 48) / POOL_CHARS));
    expect(random.pools.length).toBeLessThanOrEqual(Math.ceil((n * 48) / (POOL_CHARS - 16)));
  });

  it("hands out each slice of a pool once, in order, and refills when the next id does not fit", () => {
    const random = recordingFill();
    const ids = new PooledIdGenerator(random.fill);
    const perPool = POOL_CHARS / 32;
    const traces = Array.from({ length: perPool + 1 }, () => ids.generateTraceId());
    expect(random.pools).toHaveLength(2);
    expect(traces.slice(0, perPool).join("")).toBe(random.pools[0]);
    expect(traces[perPool]).toBe(random.pools[1]!.slice(0, 32));
    // 31 span ids and the trace id above fill the second pool to its last 16 characters; a
    // trace id does not fit there, so it comes from a third pool and those 16 are never used.
    const spans = Array.from({ length: 29 }, () => ids.generateSpanId());
    expect(spans.join("")).toBe(random.pools[1]!.slice(32, POOL_CHARS - 16));
    const trace = ids.generateTraceId();
    expect(random.pools).toHaveLength(3);
    expect(trace).toBe(random.pools[2]!.slice(0, 32));
    expect(ids.generateSpanId()).toBe(random.pools[2]!.slice(32, 48));
  });

  it("never returns the all-zero trace id or span id: it skips the slice, and a pool of zeros", () => {
    // Pool 1 all zero; pool 2 starts with 16 zero bytes (one trace id, or two span ids).
    const random = recordingFill((bytes, call) => {
      randomFillSync(bytes);
      if (call === 0) bytes.fill(0);
      if (call === 1) bytes.fill(0, 0, 16);
    });
    const ids = new PooledIdGenerator(random.fill);
    const trace = ids.generateTraceId();
    expect(trace).not.toBe("0".repeat(32));
    expect(trace).toBe(random.pools[1]!.slice(32, 64));

    const spanRandom = recordingFill((bytes, call) => {
      randomFillSync(bytes);
      if (call === 0) bytes.fill(0);
      if (call === 1) bytes.fill(0, 0, 16);
    });
    const spanIds = new PooledIdGenerator(spanRandom.fill);
    const span = spanIds.generateSpanId();
    expect(span).not.toBe("0".repeat(16));
    expect(span).toBe(spanRandom.pools[1]!.slice(32, 48));
  });

  it("keeps an id that merely contains zeros", () => {
    const random = recordingFill((bytes) => {
      bytes.fill(0);
      bytes[15] = 1; // the first trace id ends in 01
      bytes[23] = 2; // the span id after it ends in 02
    });
    const ids = new PooledIdGenerator(random.fill);
    expect(ids.generateTraceId()).toBe(`${"0".repeat(30)}01`);
    expect(ids.generateSpanId()).toBe(`${"0".repeat(14)}02`);
  });

  it("spreads trace ids evenly (the ratio sampler reads their last 8 characters)", () => {
    const ids = new PooledIdGenerator();
    const n = 20_000;
    let below = 0;
    for (let i = 0; i < n; i++) {
      if (parseInt(ids.generateTraceId().slice(-8), 16) < 0x40000000) below += 1;
    }
    // A quarter of them, within 5 standard deviations of a fair binomial.
    expect(Math.abs(below - n / 4)).toBeLessThan(5 * Math.sqrt(n * 0.25 * 0.75));
  });
});
