/**
 * Records the opt-in per-request metrics — the duration summary and the body size histograms —
 * after the base recorder, with their label children cached per (endpoint, method).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HistogramSeries, Histogram } from "../metrics/histogram.js";
import type { DurationSummary } from "../metrics/http-extras.js";
import { requestBytes, responseBytes } from "./body-size.js";
import { RouteTable } from "./route-table.js";
import type { ExemplarLabels, HttpRecorder } from "./request-recorder.js";

/** The opt-in metrics that are enabled; absent ones are not recorded. */
export interface OptionalMetrics {
  summary?: DurationSummary | undefined;
  requestSize?: Histogram<string> | undefined;
  responseSize?: Histogram<string> | undefined;
}

interface Children {
  summary: { observe(value: number): void } | undefined;
  requestSize: HistogramSeries | undefined;
  responseSize: HistogramSeries | undefined;
}

export class OptionalMetricsRecorder implements HttpRecorder {
  readonly #routes: RouteTable<Children>;

  constructor(
    private readonly base: HttpRecorder,
    metrics: OptionalMetrics,
  ) {
    this.#routes = new RouteTable((method, endpoint) => ({
      summary: metrics.summary?.labels(method, endpoint),
      requestSize: metrics.requestSize?.series([method, endpoint]),
      responseSize: metrics.responseSize?.series([method, endpoint]),
    }));
  }

  record(
    method: string | undefined,
    endpoint: string,
    statusCode: number,
    seconds: number,
    exemplar: ExemplarLabels | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    this.base.record(method, endpoint, statusCode, seconds, exemplar, req, res);
    const children = this.#routes.get(method, endpoint);
    children.summary?.observe(seconds);
    children.requestSize?.observe(requestBytes(req));
    children.responseSize?.observe(responseBytes(req, res));
  }
}
