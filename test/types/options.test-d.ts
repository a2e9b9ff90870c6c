/** The option interfaces of every entry point: right types accepted, wrong ones rejected. */
import type { IncomingMessage, ServerResponse } from "node:http";
import express from "express";
import { describe, expectTypeOf, it } from "vitest";
import {
  getMetrics,
  instrumentApp,
  metricsHandler,
  metricsListener,
  metricsMiddleware,
  startMetricsServer,
  traceFunction,
} from "../../src/index.js";
import type {
  ExpressMetricsOptions,
  ExpressMiddleware,
  InstrumentAppOptions,
  MetricsHandlerOptions,
  MetricsOptions,
  NodeHttpMetricsOptions,
  RequestListener,
  TraceFunctionOptions,
  TracingHandle,
} from "../../src/index.js";

describe("Express options", () => {
  it("metricsMiddleware takes ExpressMetricsOptions and is Express middleware", () => {
    expectTypeOf(metricsMiddleware).parameter(0).toEqualTypeOf<ExpressMetricsOptions | undefined>();
    expectTypeOf(metricsMiddleware()).toEqualTypeOf<ExpressMiddleware>();
    express().use(
      metricsMiddleware({ skip: (req) => req.url === "/internal", durationBuckets: [1] }),
    );
    express().get("/metrics", metricsHandler({ token: "t" }));
  });

  it("rejects options of the wrong type", () => {
    // @ts-expect-error skip is a function
    metricsMiddleware({ skip: "/internal" });
    // @ts-expect-error skip returns a boolean
    metricsMiddleware({ skip: () => "yes" });
    // @ts-expect-error excludeMethods is an array
    metricsMiddleware({ excludeMethods: "OPTIONS" });
    // @ts-expect-error unknown option
    metricsMiddleware({ buckets: [1] });
    // @ts-expect-error token is a string
    metricsHandler({ token: 42 });
  });

  it("metricsHandler is a node:http handler", () => {
    expectTypeOf(metricsHandler).parameter(0).toEqualTypeOf<MetricsHandlerOptions | undefined>();
    expectTypeOf(metricsHandler()).toEqualTypeOf<
      (req: IncomingMessage, res: ServerResponse) => void
    >();
  });
});

describe("node:http options", () => {
  it("metricsListener wraps a request listener and takes NodeHttpMetricsOptions", () => {
    expectTypeOf(metricsListener).parameter(0).toEqualTypeOf<RequestListener>();
    expectTypeOf(metricsListener).parameter(1).toEqualTypeOf<NodeHttpMetricsOptions>();
    expectTypeOf(metricsListener).returns.toEqualTypeOf<
      (req: IncomingMessage, res: ServerResponse) => void
    >();
    metricsListener((_req, res) => void res.end(), {
      routes: ["/claims/:id"],
      extraLabels: { tenant: (req) => String(req.headers["x-tenant"]) },
      inFlight: true,
    });
    metricsListener(() => undefined, { routes: (req) => req.url?.split("?")[0] });
  });

  it("rejects options of the wrong type", () => {
    // @ts-expect-error routes are required
    metricsListener(() => undefined, {});
    // @ts-expect-error routes are strings or a function
    metricsListener(() => undefined, { routes: [/claims/] });
    // @ts-expect-error the route function returns a string or undefined
    metricsListener(() => undefined, { routes: () => 42 });
    // @ts-expect-error skip is Express's option
    metricsListener(() => undefined, { routes: [], skip: () => true });
  });
});

describe("tracing options", () => {
  it("instrumentApp takes InstrumentAppOptions and resolves to a TracingHandle", () => {
    expectTypeOf(instrumentApp).parameter(1).toEqualTypeOf<InstrumentAppOptions | undefined>();
    expectTypeOf(instrumentApp).returns.toEqualTypeOf<Promise<TracingHandle>>();
    expectTypeOf<TracingHandle["shutdown"]>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<{
      serviceName: "api";
      exporter: "console";
      sampler: "parentbased_traceidratio";
      samplerArg: 0.1;
      batch: { maxQueueSize: 100 };
      ignorePaths: ["/metrics"];
      redactQueryParams: false;
    }>().toExtend<InstrumentAppOptions>();
  });

  it("rejects options of the wrong type", () => {
    // @ts-expect-error not an exporter name
    expectTypeOf<{ exporter: "zipkin" }>().toExtend<InstrumentAppOptions>();
    // @ts-expect-error not a sampler name
    expectTypeOf<{ sampler: "sometimes" }>().toExtend<InstrumentAppOptions>();
    // @ts-expect-error samplerArg is a number
    expectTypeOf<{ samplerArg: "0.5" }>().toExtend<InstrumentAppOptions>();
    // @ts-expect-error headers are strings
    expectTypeOf<{ headers: { "x-token": 1 } }>().toExtend<InstrumentAppOptions>();
  });

  it("traceFunction takes a name and TraceFunctionOptions", () => {
    expectTypeOf(traceFunction).parameter(0).toBeString();
    expectTypeOf(traceFunction).parameter(1).toEqualTypeOf<TraceFunctionOptions | undefined>();
    traceFunction("score", { attributes: { "claim.kind": "flood" } });
    traceFunction("score", { attributes: (id: string) => ({ "claim.id": id }) });
    // @ts-expect-error attribute values are primitives or arrays of them
    traceFunction("score", { attributes: { claim: { id: 1 } } });
    // @ts-expect-error the name comes first
    traceFunction({ attributes: {} });
  });
});

describe("metrics options", () => {
  it("getMetrics and startMetricsServer reject wrong types", () => {
    expectTypeOf(getMetrics).parameter(0).toEqualTypeOf<MetricsOptions | undefined>();
    // @ts-expect-error durationBuckets is an array of numbers
    getMetrics({ durationBuckets: 0.5 });
    // @ts-expect-error port is a number
    void startMetricsServer({ port: "9464" });
  });
});
