/**
 * Records the opt-in per-request metrics — the duration summary and the body size histograms —
 * after the base recorder, with their label children cached per (endpoint, method).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HistogramSeries, Histogram } from "../metrics/histogram.js";
import type { DurationSummary } from "../metrics/http-extras.js";
import { requestBytes, responseBytes } from "./body-size.js";
import { methodIndex, methodLabel, OTHER_METHOD_INDEX } from "./labels.js";
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
  readonly #routes = new Map<string, Array<Children | undefined>>();

  constructor(
    private readonly base: HttpRecorder,
    private readonly metrics: OptionalMetrics,
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
    this.base.record(method, endpoint, statusCode, seconds, exemplar, req, res);
    const children = this.#children(method, endpoint);
    children.summary?.observe(seconds);
    children.requestSize?.observe(requestBytes(req));
    children.responseSize?.observe(responseBytes(req, res));
  }

  #children(method: string | undefined, endpoint: string): Children {
    let perMethod = this.#routes.get(endpoint);
    if (perMethod === undefined) {
      perMethod = new Array<Children | undefined>(OTHER_METHOD_INDEX + 1);
      this.#routes.set(endpoint, perMethod);
    }
    const index = methodIndex(method);
    let children = perMethod[index];
    if (children === undefined) {
      const labels = [methodLabel(index), endpoint];
      const { summary, requestSize, responseSize } = this.metrics;
      children = {
        summary: summary?.labels(labels[0] as string, endpoint),
        requestSize: requestSize?.series(labels),
        responseSize: responseSize?.series(labels),
      };
      perMethod[index] = children;
    }
    return children;
  }
}
