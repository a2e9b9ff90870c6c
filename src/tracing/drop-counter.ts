/**
 * Counts spans the batch processor gives up on — queue full, or export failed/timed out — through
 * the processor's public self-observability hook (`selfObsMeterProvider`), and reports them with a
 * rate-limited warning (at most one line a minute) naming the endpoint and the last error, so a
 * dead collector is visible, diagnosable and quiet.
 */
import type { MeterProvider } from "@opentelemetry/api";
import { warnOnce } from "../kernel/logger.js";
import type { CollectorStatus } from "./collector-status.js";

export interface DropCounter {
  /** Spans dropped so far. */
  count(): number;
  /** A meter provider that feeds the counter; give it to the BatchSpanProcessor. */
  meterProvider: MeterProvider;
}

const noop = () => {};

export function createDropCounter(status: CollectorStatus): DropCounter {
  let dropped = 0;
  const add = (value: number, attributes?: Record<string, unknown>): void => {
    const reason = attributes?.["error.type"];
    if (reason === undefined || value <= 0) return;
    dropped += value;
    const why = reason === "queue_full" ? "the export queue was full" : "their export failed";
    warnOnce(
      "tracing:dropped",
      `dropped ${dropped} span(s) so far (last: ${why}); ${status.describe()}; is the trace collector reachable?`,
    );
  };
  const instrument = { add, record: noop, addCallback: noop, removeCallback: noop };
  const meter = new Proxy({}, { get: () => () => instrument });
  return {
    count: () => dropped,
    meterProvider: { getMeter: () => meter } as unknown as MeterProvider,
  };
}
