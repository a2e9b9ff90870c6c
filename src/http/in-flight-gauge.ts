/**
 * The opt-in `http_requests_in_flight` gauge: raised when tracking of a request starts, lowered
 * by the response's `close` (which fires for finished and aborted responses alike), so it always
 * comes back to 0. The series raised is kept on the response and lowered exactly once.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GaugeSeries, LabelledGauge } from "../metrics/labelled-gauge.js";
import { methodIndex, methodLabel, OTHER_METHOD_INDEX } from "./labels.js";

const IN_FLIGHT = Symbol.for("@crisislen/observability:in-flight");

type InFlightResponse = ServerResponse & { [IN_FLIGHT]?: GaugeSeries | undefined };

function leave(this: InFlightResponse): void {
  const series = this[IN_FLIGHT];
  if (series === undefined) return;
  this[IN_FLIGHT] = undefined;
  series.dec();
}

/**
 * Takes `res` out of the in-flight gauge now instead of at close (the exposition route does,
 * so a scrape does not count itself). Does nothing for a response that is not in it.
 */
export function leaveInFlight(res: ServerResponse): void {
  leave.call(res as InFlightResponse);
}

/** Raises the gauge per (endpoint, method), or per method when there is no endpoint. */
export class InFlightTracker {
  readonly #byEndpoint = new Map<string, Array<GaugeSeries | undefined>>();

  constructor(
    private readonly gauge: LabelledGauge<string>,
    private readonly withEndpoint: boolean,
  ) {}

  enter(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined): void {
    const key = this.withEndpoint && endpoint !== undefined ? endpoint : "";
    let perMethod = this.#byEndpoint.get(key);
    if (perMethod === undefined) {
      perMethod = new Array<GaugeSeries | undefined>(OTHER_METHOD_INDEX + 1);
      this.#byEndpoint.set(key, perMethod);
    }
    const index = methodIndex(req.method);
    let series = perMethod[index];
    if (series === undefined) {
      const method = methodLabel(index);
      series = this.gauge.series(this.withEndpoint ? [method, key] : [method]);
      perMethod[index] = series;
    }
    (res as InFlightResponse)[IN_FLIGHT] = series.inc();
    res.on("close", leave);
  }
}
