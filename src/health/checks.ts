/**
 * The readiness checks runner: every check runs in parallel under its own timeout, and a check
 * that throws, returns `false` or hangs is reported by name instead of hanging or failing the
 * probe. A hung check is never started twice: while an earlier call is still pending past its
 * timeout, probes report it as timed out at once, so a dependency that never answers cannot pile
 * up calls (and memory) one probe at a time.
 */
import { performance } from "node:perf_hooks";
import { context, createContextKey } from "@opentelemetry/api";
import { warnOnce } from "../kernel/logger.js";
import { millisecondsOption } from "../kernel/validate.js";

// The key @opentelemetry/core's suppressTracing() sets (createContextKey uses Symbol.for), so
// instrumentations skip the database ping or `fetch` a check makes: otherwise every probe, every
// few seconds, would add a one-span trace to Jaeger.
const SUPPRESS_TRACING = createContextKey("OpenTelemetry SDK Context Key SUPPRESS_TRACING");

function withoutTracing<T>(run: () => T): T {
  return context.with(context.active().setValue(SUPPRESS_TRACING, true), run);
}

/**
 * A readiness check. Return (or resolve) `false` or throw to report "not ready"; anything else,
 * `undefined` included, means ready. `signal` aborts when the check's timeout passes, so a check
 * can cancel its database ping or `fetch`.
 */
export type ReadinessCheck = (signal: AbortSignal) => boolean | void | Promise<boolean | void>;

/** A readiness check with its own timeout. */
export interface ReadinessCheckDefinition {
  /** The check itself. */
  check: ReadinessCheck;
  /**
   * How long the check may take before it is reported as `timeout` and its signal aborted.
   * @default the `checkTimeoutMs` option (1000)
   */
  timeoutMs?: number;
}

/** Outcome of one check, as it appears in the readiness body. */
export interface CheckResult {
  /** `ok`, `fail` (threw or returned `false`) or `timeout`. */
  status: "ok" | "fail" | "timeout";
  /** Milliseconds from the start of the check to its outcome, rounded. */
  durationMs: number;
  /** Why the check failed; absent when it passed. */
  error?: string;
}

/** The readiness body. */
export interface ReadinessReport {
  /** `ok` (200), `unavailable` (503, a check failed) or `shutting_down` (503). */
  status: "ok" | "unavailable" | "shutting_down";
  /** One entry per registered check, by name; empty while shutting down. */
  checks: Record<string, CheckResult>;
}

/** Throws unless `value` is a whole number of milliseconds in 1…2^31-1. */
export function validateTimeout(option: string, value: unknown): number {
  return millisecondsOption(option, value, 1);
}

interface Run {
  readonly startedAt: number;
  /** Settles with the outcome: the check's result or its timeout, whichever comes first. */
  readonly outcome: Promise<CheckResult>;
  /** The check itself outlived its timeout and has not settled yet. */
  hung: boolean;
}

/** One registered check with its single-flight bookkeeping. */
export class CheckRunner {
  private current: Run | undefined;

  constructor(
    readonly name: string,
    private readonly check: ReadinessCheck,
    private readonly timeoutMs: number,
    private readonly exposeErrors: boolean,
  ) {}

  /** Runs the check, or joins the call already in flight. Never rejects. */
  run(): Promise<CheckResult> {
    const current = this.current;
    if (current === undefined) return this.start().outcome;
    if (!current.hung) return current.outcome;
    const error = `previous call still pending after its ${this.timeoutMs} ms timeout`;
    this.log(error);
    const durationMs = Math.round(performance.now() - current.startedAt);
    return Promise.resolve({ status: "timeout", durationMs, error });
  }

  private start(): Run {
    const startedAt = performance.now();
    const controller = new AbortController();
    let settle!: (result: CheckResult) => void;
    const run: Run = {
      startedAt,
      hung: false,
      outcome: new Promise((resolve) => (settle = resolve)),
    };
    this.current = run;
    let done = false;
    const finish = (status: CheckResult["status"], error?: string, cause?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const durationMs = Math.round(performance.now() - startedAt);
      if (error === undefined) return settle({ status, durationMs });
      this.log(error, cause);
      settle({ status, durationMs, error });
    };
    const timer = setTimeout(() => {
      run.hung = true;
      finish("timeout", `timed out after ${this.timeoutMs} ms`);
      controller.abort(
        new Error(`readiness check "${this.name}" timed out after ${this.timeoutMs} ms`),
      );
    }, this.timeoutMs);
    timer.unref();
    const release = (): void => {
      if (this.current === run) this.current = undefined;
    };
    const onValue = (value: unknown): void => {
      release();
      if (value === false) finish("fail", "returned false");
      else finish("ok");
    };
    const onError = (cause: unknown): void => {
      release();
      finish(
        "fail",
        this.exposeErrors ? `threw ${describe(cause)}` : "threw (details in the service log)",
        cause,
      );
    };
    try {
      // Promise.resolve adopts any thenable; a synchronous throw is caught below.
      Promise.resolve(withoutTracing(() => this.check(controller.signal))).then(onValue, onError);
    } catch (cause) {
      onError(cause);
    }
    return run;
  }

  /** Failures go to the package logger once a minute per check, never once per probe. */
  private log(error: string, cause?: unknown): void {
    const text = cause === undefined ? error : "threw";
    warnOnce(`readiness:${this.name}`, `readiness check "${this.name}" ${text}`, cause);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs every check in parallel; resolves within the largest check timeout. Never rejects. */
export async function runChecks(runners: readonly CheckRunner[]): Promise<ReadinessReport> {
  const results = await Promise.all(runners.map((runner) => runner.run()));
  const checks = Object.create(null) as Record<string, CheckResult>;
  let status: ReadinessReport["status"] = "ok";
  results.forEach((result, index) => {
    checks[(runners[index] as CheckRunner).name] = result;
    if (result.status !== "ok") status = "unavailable";
  });
  return { status, checks };
}
