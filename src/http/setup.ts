/**
 * Builds what an integration needs per request from its resolved options, once, at setup: the
 * recorder (plain, with extra labels, with the opt-in metrics), the start-of-request work (only
 * when an option needs some), and the exclusion checks (only when configured). With default
 * options everything optional is `undefined`, so the adapters install their plain hot path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestState } from "../kernel/request-state.js";
import { HTTP_REQUEST_SIZE_BYTES, HTTP_RESPONSE_SIZE_BYTES } from "../metrics/catalogue.js";
import type { HttpDurationLabel } from "../metrics/catalogue.js";
import { bucketsOption } from "../kernel/validate.js";
import { ownMetrics } from "../metrics/crisislen-metrics.js";
import { ensureDefaultMetrics } from "../metrics/default-metrics.js";
import { getDurationSummary, getInFlightGauge, getSizeHistogram } from "../metrics/http-extras.js";
import { defaultRegistry } from "../metrics/registry.js";
import { countRequestBytes, countResponseBytes } from "./body-size.js";
import { createEndpointFilter } from "./exclusions.js";
import type { RawLabelFunction } from "./extra-labels.js";
import { ExtraLabels } from "./extra-labels.js";
import { InFlightTracker } from "./in-flight-gauge.js";
import type { ResolvedHttpOptions } from "./options.js";
import { OptionalMetricsRecorder } from "./optional-recorder.js";
import type { HttpRecorder } from "./request-recorder.js";
import { LabelledRequestRecorder, RequestRecorder, statusClassLabel } from "./request-recorder.js";
import type { AnyRegistry } from "../metrics/registry.js";

/** Work done when tracking of a request starts; `endpoint` is undefined where not yet known. */
export type BeginRequest = (
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: string | undefined,
  state: RequestState,
) => void;

/** Input of {@link createHttpTracking}. */
export interface HttpTrackingSetup {
  registry: AnyRegistry | undefined;
  durationBuckets: readonly number[] | undefined;
  options: ResolvedHttpOptions<never, never>;
  /** The extra label functions, adapted to raw `req`/`res` by the integration. */
  extraLabels: ReadonlyArray<readonly [string, RawLabelFunction]>;
  /** `http_requests_in_flight` labels: with the endpoint (Fastify) or by method only (Express). */
  inFlightLabels: readonly HttpDurationLabel[];
}

/** What an integration uses per request. */
export interface HttpTracking {
  recorder: HttpRecorder;
  /** Start-of-request work, or undefined when no option needs any. */
  begin: BeginRequest | undefined;
  /** Excluded methods (upper case), or undefined when none. */
  excludedMethods: ReadonlySet<string> | undefined;
  /** Whether a route template is excluded, or undefined when no route is. */
  isExcludedEndpoint: ((endpoint: string) => boolean) | undefined;
}

export function createHttpTracking(setup: HttpTrackingSetup): HttpTracking {
  const { options } = setup;
  const registry = setup.registry ?? defaultRegistry();
  const metrics = ownMetrics(
    registry,
    setup.durationBuckets === undefined
      ? undefined
      : bucketsOption("durationBuckets", setup.durationBuckets),
    setup.extraLabels.map(([name]) => name),
  );
  if (options.defaultMetricsPrefix !== undefined) {
    ensureDefaultMetrics(registry, options.defaultMetricsPrefix);
  }

  const statusOf = options.groupStatusCodes ? statusClassLabel : undefined;
  let recorder: HttpRecorder =
    setup.extraLabels.length === 0
      ? new RequestRecorder(metrics, statusOf)
      : new LabelledRequestRecorder(
          metrics,
          new ExtraLabels(setup.extraLabels, options.maxLabelValues, metrics.httpRequests),
          statusOf,
        );
  const { requestSize, responseSize, durationSummary } = options;
  if (requestSize || responseSize || durationSummary !== undefined) {
    recorder = new OptionalMetricsRecorder(recorder, {
      summary: durationSummary && getDurationSummary(registry, durationSummary),
      requestSize: requestSize
        ? getSizeHistogram(registry, HTTP_REQUEST_SIZE_BYTES, options.sizeBuckets)
        : undefined,
      responseSize: responseSize
        ? getSizeHistogram(registry, HTTP_RESPONSE_SIZE_BYTES, options.sizeBuckets)
        : undefined,
    });
  }

  const steps: BeginRequest[] = [];
  if (options.inFlight) {
    const tracker = new InFlightTracker(
      getInFlightGauge(registry, setup.inFlightLabels),
      setup.inFlightLabels.includes("endpoint"),
    );
    steps.push((req, _res, endpoint, state) => tracker.enter(req, endpoint, state));
  }
  if (requestSize) steps.push((req, _res, _endpoint, state) => countRequestBytes(req, state));
  if (responseSize) steps.push((_req, res, _endpoint, state) => countResponseBytes(res, state));

  return {
    recorder,
    begin: combine(steps),
    excludedMethods: options.excludeMethods.size === 0 ? undefined : options.excludeMethods,
    isExcludedEndpoint:
      options.excludeRoutes.length === 0 ? undefined : createEndpointFilter(options.excludeRoutes),
  };
}

function combine(steps: readonly BeginRequest[]): BeginRequest | undefined {
  if (steps.length <= 1) return steps[0];
  return function beginRequest(req, res, endpoint, state) {
    for (const step of steps) step(req, res, endpoint, state);
  };
}
