/**
 * Framework-neutral recording of one finished HTTP request: both adapters hand over the route
 * template, the method, the status and the duration. Label children are resolved once per
 * (endpoint, method, status) and kept, so a request costs two map lookups and three additions.
 * The variants for extra labels and the opt-in metrics are separate classes, chosen at setup,
 * so the default path carries none of their work.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CounterSeries } from "../metrics/counter.js";
import type { OwnMetrics } from "../metrics/crisislen-metrics.js";
import type { HistogramSeries } from "../metrics/histogram.js";
import type { ExtraLabels } from "./extra-labels.js";
import { methodIndex, methodLabel, statusLabel } from "./labels.js";
import { RouteTable } from "./route-table.js";
import { seriesKey } from "../metrics/series-store.js";

/** Trace ids attached to a duration sample as an exemplar. */
export type ExemplarLabels = Record<string, string>;

/** What `trackResponse` hands a finished request to. */
export interface HttpRecorder {
  record(
    method: string | undefined,
    endpoint: string,
    statusCode: number,
    seconds: number,
    exemplar: ExemplarLabels | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): void;
}

/** Turns a status code into the `status` label value. */
export type StatusLabeler = (statusCode: number) => string;

/** The status class (`2xx`, `4xx`, …) for `groupStatusCodes`. */
export function statusClassLabel(statusCode: number): string {
  return `${statusLabel(statusCode).charAt(0)}xx`;
}

/** The series of one (endpoint, method, extra label values) combination. */
class RouteSeries {
  readonly #byStatus = new Map<number, CounterSeries>();
  readonly #duration: HistogramSeries;
  /** method, endpoint, then the extra label values. */
  readonly #labels: readonly string[];

  constructor(
    private readonly metrics: OwnMetrics,
    base: readonly string[],
    private readonly statusOf: StatusLabeler,
    extra: readonly string[],
  ) {
    this.#labels = base.concat(extra);
    this.#duration = metrics.httpRequestDuration.series(this.#labels);
  }

  record(statusCode: number, seconds: number, exemplar: ExemplarLabels | undefined): void {
    let counter = this.#byStatus.get(statusCode);
    if (counter === undefined) {
      const [method = "", endpoint = "", ...extra] = this.#labels;
      counter = this.metrics.httpRequests.series([
        method,
        endpoint,
        this.statusOf(statusCode),
        ...extra,
      ]);
      this.#byStatus.set(statusCode, counter);
    }
    counter.inc();
    this.#duration.observe(seconds, exemplar);
  }
}

const NO_EXTRA: readonly string[] = Object.freeze([]);

/** Records the counter and the duration histogram, labelled method, endpoint (and status). */
export class RequestRecorder implements HttpRecorder {
  readonly #routes: RouteTable<RouteSeries>;

  constructor(
    readonly metrics: OwnMetrics,
    statusOf: StatusLabeler = statusLabel,
  ) {
    this.#routes = new RouteTable(
      (method, endpoint) => new RouteSeries(metrics, [method, endpoint], statusOf, NO_EXTRA),
    );
  }

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
    this.#routes.get(method, endpoint).record(statusCode, seconds, exemplar);
  }
}

/** Records like {@link RequestRecorder}, with the user's extra labels after the built-in ones. */
export class LabelledRequestRecorder implements HttpRecorder {
  /** Per (endpoint, method): the series by extra label values (a collision-free key). */
  readonly #routes = new RouteTable<Map<string, RouteSeries>>(() => new Map());

  constructor(
    readonly metrics: OwnMetrics,
    private readonly extra: ExtraLabels,
    private readonly statusOf: StatusLabeler = statusLabel,
  ) {}

  record(
    method: string | undefined,
    endpoint: string,
    statusCode: number,
    seconds: number,
    exemplar: ExemplarLabels | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const values = this.extra.values(req, res);
    const byValues = this.#routes.get(method, endpoint);
    const key = seriesKey(values);
    let route = byValues.get(key);
    if (route === undefined) {
      const label = methodLabel(methodIndex(method));
      route = new RouteSeries(this.metrics, [label, endpoint], this.statusOf, values);
      byValues.set(key, route);
    }
    route.record(statusCode, seconds, exemplar);
  }
}
