/**
 * Counts spans the batch processor gives up on — queue full, or export failed/timed out — through
 * the processor's public self-observability hook (`selfObsMeterProvider`), and reports them with a
 * rate-limited warning (at most one line a minute), so a dead collector is visible but quiet.
 */
import type { MeterProvider } from "@opentelemetry/api";
import { warnOnce } from "../kernel/logger.js";

export interface DropCounter {
  /** Spans dropped so far. */
  count(): number;
  /** A meter provider that feeds the counter; give it to the BatchSpanProcessor. */
  meterProvider: MeterProvider;
}

const noop = () => {};

export function createDropCounter(): DropCounter {
  let dropped = 0;
  const add = (value: number, attributes?: Record<string, unknown>): void => {
    const reason = attributes?.["error.type"];
    if (reason === undefined || value <= 0) return;
    dropped += value;
    warnOnce(
      "tracing:dropped",
      `dropped ${dropped} span(s) so far (last reason: ${String(reason)}); is the trace collector reachable?`,
    );
  };
  const instrument = { add, record: noop, addCallback: noop, removeCallback: noop };
  const meter = new Proxy({}, { get: () => () => instrument });
  return {
    count: () => dropped,
    meterProvider: { getMeter: () => meter } as unknown as MeterProvider,
  };
}
