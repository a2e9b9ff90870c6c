import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SpanKind } from "@opentelemetry/api";
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from "../support/otlp-receiver.js";
import { buildTracingDist, ROOT } from "../support/build-dist.js";

let dist: string;
let receiver: OtlpReceiver | undefined;

beforeAll(async () => {
  dist = await buildTracingDist();
}, 60_000);

afterEach(async () => {
  await receiver?.close();
});

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", OTEL_BSP_SCHEDULE_DELAY: "50", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);
const byName = (spans: ReceivedSpan[], name: string, kind = SpanKind.SERVER) =>
  spans.filter((s) => s.name === name && s.kind === kind);

describe("the register preload (child processes, real OTLP/HTTP export)", () => {
  it("traces an ESM app under --import: express and fastify route names, http and fetch client spans, one trace", async () => {
    receiver = await startOtlpReceiver();
    const result = await run(["--import", join(dist, "register.js"), fixture("esm-app.mjs")], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_SERVICE_NAME: "esm-app",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
      K8S_POD_NAME: "api-7d9f-abc",
      K8S_NAMESPACE_NAME: "crisislen",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("done");
    const spans = receiver.spans();
    const claims = byName(spans, "GET /claims/:id");
    const score = byName(spans, "GET /score/:id");
    expect(claims).toHaveLength(1);
    expect(score).toHaveLength(1);
    const [c, s] = [claims[0]!, score[0]!];
    // the app's own fetch (undici CLIENT) → express SERVER → http.get CLIENT (named ESM import) → fastify SERVER
    const outbound = spans.find((x) => x.spanId === s.parentSpanId)!;
    expect(outbound.kind).toBe(SpanKind.CLIENT);
    expect(outbound.parentSpanId).toBe(c.spanId);
    const root = spans.find((x) => x.spanId === c.parentSpanId)!;
    expect(root).toMatchObject({ kind: SpanKind.CLIENT, parentSpanId: "" });
    expect(new Set([c.traceId, s.traceId, outbound.traceId]).size).toBe(1);
    expect(c.attributes).toMatchObject({
      "http.route": "/claims/:id",
      "url.query": "token=REDACTED",
    });
    expect(root.attributes["url.full"]).toMatch(/\/claims\/7\?token=REDACTED$/);
    expect(c.resource).toMatchObject({
      "service.name": "esm-app",
      "deployment.environment.name": "test",
      "k8s.pod.name": "api-7d9f-abc",
      "k8s.namespace.name": "crisislen",
      "telemetry.sdk.language": "nodejs",
    });
    // /metrics and /health/ready: no server span; only traces were sent
    expect(
      spans
        .filter((x) => x.kind === SpanKind.SERVER)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["GET /claims/:id", "GET /score/:id"]);
    expect(new Set(receiver.requests().map((r) => `${r.path} ${r.contentType}`))).toEqual(
      new Set(["/v1/traces application/x-protobuf"]),
    );
  });

  it("traces a CommonJS app under --require, configured from OTEL_* variables", async () => {
    receiver = await startOtlpReceiver();
    const result = await run(["--require", join(dist, "register.cjs"), fixture("cjs-app.cjs")], {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "cjs-app",
      OTEL_TRACES_SAMPLER: "always_on",
      OTEL_BSP_MAX_QUEUE_SIZE: "not-a-number",
    });
    expect(result.stdout).toContain("done");
    expect(result.stderr).toContain(
      'ignoring OTEL_BSP_MAX_QUEUE_SIZE="not-a-number": expected a whole number from 1 to 1000000; using 2048',
    );
    const spans = receiver.spans();
    const outer = byName(spans, "GET /claims/:id");
    const inner = byName(spans, "GET /inner/:id");
    expect(outer).toHaveLength(1);
    expect(inner).toHaveLength(1);
    const client = spans.find((x) => x.spanId === inner[0]!.parentSpanId)!;
    expect(client).toMatchObject({
      kind: SpanKind.CLIENT,
      parentSpanId: outer[0]!.spanId,
      traceId: outer[0]!.traceId,
    });
    expect(outer[0]!.resource["service.name"]).toBe("cjs-app");
  });

  it("without the preload, instrumentApp re-hooks express loaded earlier and warns about routes defined before it", async () => {
    receiver = await startOtlpReceiver();
    const result = await run([fixture("cjs-late-app.cjs")], {
      TRACING_DIST: dist,
      RECEIVER_URL: receiver.url,
    });
    expect(result.stdout).toContain("done");
    expect(result.stderr).toContain("instrumentApp(app) was called after routes were defined");
    const names = receiver
      .spans()
      .filter((x) => x.kind === SpanKind.SERVER)
      .map((x) => x.name)
      .sort();
    expect(names).toEqual(["GET", "GET /late/:id"]);
    expect(receiver.spans()[0]!.resource["service.name"]).toBe("late-app");
  });

  it("OTEL_SDK_DISABLED=true: the preload does nothing", async () => {
    receiver = await startOtlpReceiver();
    const result = await run(["--require", join(dist, "register.cjs"), fixture("cjs-app.cjs")], {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_SDK_DISABLED: "true",
    });
    expect(result.stdout).toContain("done");
    expect(receiver.requests()).toEqual([]);
  });
});
