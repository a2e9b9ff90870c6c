/**
 * Runs the same calls on the two versions of the examples' service layer — claim-service.mjs
 * (traceFunction as a wrapper) and claim-service.ts compiled by tsc (as a TC39 decorator, path in
 * argv[2]) — with an in-memory tracer, and prints what each returned, threw and traced as JSON.
 */
/* global AbortSignal */
import { pathToFileURL } from "node:url";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import * as wrapped from "../../../examples/shared/claim-service.mjs";
import { startPolicyServiceStub } from "../../../examples/shared/policy-service-stub.mjs";

const decorated = await import(pathToFileURL(process.argv[2]).href);
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
const stub = await startPolicyServiceStub();

const outcome = (fn) => {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: error.message, statusCode: error.statusCode ?? null };
  }
};

async function exercise({ ClaimService, scoreClaim }) {
  exporter.reset();
  const service = new ClaimService({
    policyServiceUrl: stub.url,
    scoringDelayMs: 5,
    reportFailEvery: 2,
  });
  const claim = service.createClaim({
    policyId: "POL-1",
    items: [
      { description: "roof", amount: 6000 },
      { description: "window", amount: 2500 },
    ],
  });
  const processing = service.processClaim(claim);
  const isPromise = processing instanceof Promise;
  const processed = { ...(await processing) };
  const spans = () =>
    exporter.getFinishedSpans().map((span) => ({
      name: span.name,
      parent: span.parentSpanContext?.spanId === undefined ? null : "child",
      status: span.status.code,
      attributes: span.attributes,
      events: span.events.map((event) => event.name),
    }));
  return {
    processed,
    isPromise,
    processClaimName: service.processClaim.name,
    score: scoreClaim(8049, 10_000),
    reports: [
      outcome(() => service.buildReport(claim)),
      outcome(() => service.buildReport(claim)),
      outcome(() => service.buildReport(claim, { fail: true })),
    ],
    missing: outcome(() => service.getClaim("nope")),
    invalid: outcome(() => service.createClaim({ policyId: "", items: [] })),
    ready: await service.policyServiceIsUp(AbortSignal.timeout(1000)),
    spans: spans(),
  };
}

const report = { wrapper: await exercise(wrapped), decorator: await exercise(decorated) };
await stub.close();
process.stdout.write(JSON.stringify(report));
