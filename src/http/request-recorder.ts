/**
 * Framework-neutral recording of one finished HTTP request: both adapters hand over the route
 * template, the method, the status and the duration. Label children are resolved once per
 * (endpoint, method, status) and kept, so a request costs two map lookups and three additions.
 */
import type { CounterSeries } from "../metrics/counter.js";
import type { CrisisLensMetrics } from "../metrics/crisislen-metrics.js";
import type { HistogramSeries } from "../metrics/histogram.js";
import { methodIndex, methodLabel, OTHER_METHOD_INDEX, statusLabel } from "./labels.js";

/** Trace ids attached to a duration sample as an exemplar. */
export type ExemplarLabels = Record<string, string>;

/** The series of one (endpoint, method) pair. */
class RouteSeries {
  readonly #byStatus = new Map<number, CounterSeries>();

  constructor(
    private readonly metrics: CrisisLensMetrics,
    private readonly method: string,
    private readonly endpoint: string,
    private readonly duration: HistogramSeries,
  ) {}

  record(statusCode: number, seconds: number, exemplar: ExemplarLabels | undefined): void {
    let counter = this.#byStatus.get(statusCode);
    if (counter === undefined) {
      counter = this.metrics.httpRequests.series([
        this.method,
        this.endpoint,
        statusLabel(statusCode),
      ]);
      this.#byStatus.set(statusCode, counter);
    }
    counter.inc();
    this.duration.observe(seconds, exemplar);
  }
}

export class RequestRecorder {
  readonly #routes = new Map<string, Array<RouteSeries | undefined>>();

  constructor(readonly metrics: CrisisLensMetrics) {}

  /**
   * Records a finished request. `endpoint` must already be a bounded value (a route template
   * or `__unmatched__`); the method is folded here.
   */
  record(
    method: string | undefined,
    endpoint: string,
    statusCode: number,
    seconds: number,
    exemplar?: ExemplarLabels,
  ): void {
    let perMethod = this.#routes.get(endpoint);
    if (perMethod === undefined) {
      perMethod = new Array<RouteSeries | undefined>(OTHER_METHOD_INDEX + 1);
      this.#routes.set(endpoint, perMethod);
    }
    const index = methodIndex(method);
    let route = perMethod[index];
    if (route === undefined) {
      const label = methodLabel(index);
      route = new RouteSeries(
        this.metrics,
        label,
        endpoint,
        this.metrics.httpRequestDuration.series([label, endpoint]),
      );
      perMethod[index] = route;
    }
    route.record(statusCode, seconds, exemplar);
  }
}
