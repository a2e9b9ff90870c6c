/**
 * The opt-in `http_requests_in_flight` gauge: raised when tracking of a request starts, lowered
 * when its response closes (finished and aborted responses alike), so it always comes back to 0.
 * The series raised is kept in the request's record and lowered exactly once.
 */
import type { IncomingMessage } from "node:http";
import { peekRequestState, type RequestState } from "../kernel/request-state.js";
import type { GaugeSeries, LabelledGauge } from "../metrics/labelled-gauge.js";
import { methodIndex, methodLabel, OTHER_METHOD_INDEX } from "./labels.js";

/** Lowers the series raised for the request, once; does nothing when none is raised. */
export function leaveInFlight(state: RequestState | undefined): void {
  const series = state?.inFlight;
  if (series === undefined) return;
  (state as RequestState).inFlight = undefined;
  series.dec();
}

/**
 * Takes `req` out of the in-flight gauge now instead of at close (the exposition route does,
 * so a scrape does not count itself). Does nothing for a request that is not in it.
 */
export function leaveInFlightNow(req: IncomingMessage): void {
  leaveInFlight(peekRequestState(req));
}

/** Raises the gauge per (endpoint, method), or per method when there is no endpoint. */
export class InFlightTracker {
  readonly #byEndpoint = new Map<string, Array<GaugeSeries | undefined>>();

  constructor(
    private readonly gauge: LabelledGauge<string>,
    private readonly withEndpoint: boolean,
  ) {}

  enter(req: IncomingMessage, endpoint: string | undefined, state: RequestState): void {
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
    state.inFlight = series.inc();
  }
}
