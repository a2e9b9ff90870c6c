import { performance } from "node:perf_hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetLogRateLimit, setLogger } from "../../src/kernel/logger.js";
import type { ObservabilityLogger } from "../../src/kernel/logger.js";
import { compileHealth } from "../../src/health/options.js";
import type { HealthOptions } from "../../src/health/options.js";
import { createReadinessState } from "../../src/health/readiness-state.js";

interface Body {
  status: string;
  checks: Record<string, { status: string; durationMs: number; error?: string }>;
}

/** Runs one readiness probe; returns the status code, the body and how long it took. */
async function probe(options: HealthOptions, health = compileHealth(options)) {
  const started = performance.now();
  const answer = await health.ready(undefined);
  const body = JSON.parse(answer.body) as Body;
  return { statusCode: answer.statusCode, body, tookMs: performance.now() - started };
}

/** The body with each durationMs checked to be a whole number and removed. */
function withoutDurations(body: Body): unknown {
  const checks: Record<string, unknown> = {};
  for (const [name, result] of Object.entries(body.checks)) {
    const { durationMs, ...rest } = result;
    expect(
      Number.isInteger(durationMs) && durationMs >= 0,
      `${name}.durationMs = ${durationMs}`,
    ).toBe(true);
    checks[name] = rest;
  }
  return { status: body.status, checks };
}

const never = () => new Promise<boolean>(() => {});

let warnings: string[];
let previous: ObservabilityLogger;
beforeEach(() => {
  warnings = [];
  resetLogRateLimit();
  previous = setLogger({ warn: (m) => warnings.push(m), error: (m) => warnings.push(m) });
});
afterEach(() => {
  setLogger(previous);
});

describe("readiness checks", () => {
  it("answers 200 with every check named when all pass (true, undefined, resolved)", async () => {
    const { statusCode, body } = await probe({
      checks: { sync: () => true, void: () => undefined, async: async () => true },
    });
    expect(statusCode).toBe(200);
    expect(withoutDurations(body)).toEqual({
      status: "ok",
      checks: { sync: { status: "ok" }, void: { status: "ok" }, async: { status: "ok" } },
    });
  });

  it("answers 200 with an empty checks object when none are registered", async () => {
    const health = compileHealth();
    expect(await health.ready(undefined)).toEqual({
      statusCode: 200,
      body: '{"status":"ok","checks":{}}',
    });
    expect(health.live).toEqual({ statusCode: 200, body: '{"status":"ok"}' });
  });

  it("a check returning false gives 503 naming it", async () => {
    const { statusCode, body } = await probe({ checks: { db: () => false, cache: () => true } });
    expect(statusCode).toBe(503);
    expect(withoutDurations(body)).toEqual({
      status: "unavailable",
      checks: { db: { status: "fail", error: "returned false" }, cache: { status: "ok" } },
    });
  });

  it("a check that throws or rejects gives 503 naming it, without the message by default", async () => {
    const { statusCode, body } = await probe({
      checks: {
        sync: () => {
          throw new Error("password=hunter2");
        },
        async: () => Promise.reject(new TypeError("connect ECONNREFUSED 10.0.0.5:5432")),
      },
    });
    expect(statusCode).toBe(503);
    expect(withoutDurations(body)).toEqual({
      status: "unavailable",
      checks: {
        sync: { status: "fail", error: "threw (details in the service log)" },
        async: { status: "fail", error: "threw (details in the service log)" },
      },
    });
    expect(warnings.sort()).toEqual([
      '@crisislen/observability: readiness check "async" threw (TypeError: connect ECONNREFUSED 10.0.0.5:5432)',
      '@crisislen/observability: readiness check "sync" threw (Error: password=hunter2)',
    ]);
  });

  it("exposeErrors puts the thrown message into the body", async () => {
    const { body } = await probe({
      exposeErrors: true,
      checks: { db: () => Promise.reject(new Error("too many clients")) },
    });
    expect(withoutDurations(body)).toEqual({
      status: "unavailable",
      checks: { db: { status: "fail", error: "threw Error: too many clients" } },
    });
  });

  it("a check that hangs times out after its own timeout, aborts its signal, and does not hang the probe", async () => {
    let signal: AbortSignal | undefined;
    const { statusCode, body, tookMs } = await probe({
      checkTimeoutMs: 5000,
      checks: {
        hangs: {
          timeoutMs: 80,
          check: (s) => {
            signal = s;
            return never();
          },
        },
        fine: () => true,
      },
    });
    expect(statusCode).toBe(503);
    expect(withoutDurations(body)).toEqual({
      status: "unavailable",
      checks: {
        hangs: { status: "timeout", error: "timed out after 80 ms" },
        fine: { status: "ok" },
      },
    });
    expect(body.checks.hangs?.durationMs).toBeGreaterThanOrEqual(79);
    expect(tookMs).toBeLessThan(500);
    expect(signal?.aborted).toBe(true);
    expect(warnings).toEqual([
      '@crisislen/observability: readiness check "hangs" timed out after 80 ms',
    ]);
  });

  it("uses checkTimeoutMs for checks without their own timeout", async () => {
    const { body, tookMs } = await probe({ checkTimeoutMs: 60, checks: { slow: never } });
    expect(withoutDurations(body)).toEqual({
      status: "unavailable",
      checks: { slow: { status: "timeout", error: "timed out after 60 ms" } },
    });
    expect(tookMs).toBeGreaterThanOrEqual(55);
    expect(tookMs).toBeLessThan(500);
  });

  it("a hung check is called once: later probes report it at once instead of piling up calls", async () => {
    let calls = 0;
    const health = compileHealth({
      checks: {
        hangs: {
          timeoutMs: 50,
          check: () => {
            calls += 1;
            return never();
          },
        },
      },
    });
    await probe({}, health);
    const results = await Promise.all([probe({}, health), probe({}, health), probe({}, health)]);
    for (const { statusCode, body, tookMs } of results) {
      expect(statusCode).toBe(503);
      expect(withoutDurations(body)).toEqual({
        status: "unavailable",
        checks: {
          hangs: {
            status: "timeout",
            error: "previous call still pending after its 50 ms timeout",
          },
        },
      });
      expect(tookMs).toBeLessThan(40);
    }
    expect(calls).toBe(1);
  });

  it("concurrent probes share one call of a slow check", async () => {
    let calls = 0;
    const health = compileHealth({
      checks: {
        slow: async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 40));
          return true;
        },
      },
    });
    const results = await Promise.all([probe({}, health), probe({}, health)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(calls).toBe(1);
    await probe({}, health);
    expect(calls).toBe(2);
  });

  it("runs the checks in parallel", async () => {
    const wait = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100));
    const { statusCode, tookMs } = await probe({ checks: { a: wait, b: wait, c: wait } });
    expect(statusCode).toBe(200);
    expect(tookMs).toBeGreaterThanOrEqual(95);
    expect(tookMs).toBeLessThan(250);
  });

  it("logs a failing check once a minute, not once per probe", async () => {
    const health = compileHealth({ checks: { db: () => false } });
    for (let i = 0; i < 20; i += 1) await probe({}, health);
    expect(warnings).toEqual(['@crisislen/observability: readiness check "db" returned false']);
  });

  it("answers 503 shutting_down without running the checks once the state is shutting down", async () => {
    let calls = 0;
    const readiness = createReadinessState();
    const health = compileHealth({ readiness, checks: { db: () => void (calls += 1) } });
    expect((await health.ready(undefined)).statusCode).toBe(200);
    readiness.beginShutdown();
    expect(await health.ready(undefined)).toEqual({
      statusCode: 503,
      body: '{"status":"shutting_down","checks":{}}',
    });
    const serverState = createReadinessState();
    serverState.beginShutdown();
    expect((await compileHealth().ready(serverState)).statusCode).toBe(503);
    expect(calls).toBe(1);
  });
});

describe("health options", () => {
  it.each<[HealthOptions, string]>([
    [
      { livePath: "health" },
      'livePath must be a path starting with "/" without "?", "#" or whitespace, got "health"',
    ],
    [
      { readyPath: "/ready?x=1" },
      'readyPath must be a path starting with "/" without "?", "#" or whitespace, got "/ready?x=1"',
    ],
    [
      { livePath: "/h", readyPath: "/h" },
      'readyPath must be a path other than livePath (/h), got "/h"',
    ],
    [
      { checks: { db: 42 as never } },
      "checks.db must be a function or { check, timeoutMs }, got 42",
    ],
    [
      { checks: { db: { timeoutMs: 5 } as never } },
      "checks.db must be a function or { check, timeoutMs }, got an object",
    ],
  ])("rejects %j with a TypeError", (options, message) => {
    expect(() => compileHealth(options)).toThrow(
      new TypeError(`@crisislen/observability: ${message}`),
    );
  });

  it.each<[HealthOptions, string]>([
    [
      { checkTimeoutMs: 0 },
      "checkTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 0",
    ],
    [
      { checkTimeoutMs: 1.5 },
      "checkTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 1.5",
    ],
    [
      { checks: { db: { check: () => true, timeoutMs: -1 } } },
      "checks.db.timeoutMs must be a whole number of milliseconds from 1 to 2147483647, got -1",
    ],
  ])("rejects %j with a RangeError", (options, message) => {
    expect(() => compileHealth(options)).toThrow(
      new RangeError(`@crisislen/observability: ${message}`),
    );
  });
});
