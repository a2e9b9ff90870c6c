import { describe, expect, it } from "vitest";
import { PooledIdGenerator } from "../../src/tracing/id-generator.js";

describe("PooledIdGenerator", () => {
  it("gives W3C ids: lowercase hex of 32 and 16 characters, distinct across pool refills", () => {
    const ids = new PooledIdGenerator();
    const traces = Array.from({ length: 3000 }, () => ids.generateTraceId());
    const spans = Array.from({ length: 3000 }, () => ids.generateSpanId());
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    // 3000 × 48 hex characters: the 512-character pool was refilled hundreds of times.
    expect(new Set(traces).size).toBe(3000);
    expect(new Set(spans).size).toBe(3000);
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
