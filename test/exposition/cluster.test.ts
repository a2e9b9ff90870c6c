/**
 * Node cluster support, against a real primary and two real workers (test/fixtures/cluster,
 * bundled here with esbuild): the primary's exposition is the sum of the workers' metrics.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture } from "../support/bundle-fixture.js";
import { clusterMetricsHandler, enableClusterWorkerMetrics } from "../../src/exposition/cluster.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";
import type { Sample } from "../support/exposition.js";
import { createServer } from "node:http";
import { close, listen, request } from "../support/http-client.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
let bundle = "";
let remove = (): void => undefined;

let primary: ChildProcess | undefined;
let output = "";
let samples: Sample[] = [];
let contentType: string | undefined;

beforeAll(async () => {
  ({ bundle, remove } = await bundleFixture("cluster", "crisislen-cluster-tests"));
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  primary = child;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const deadline = Date.now() + 20_000;
  let port: number | undefined;
  while (port === undefined) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`the cluster did not start:\n${output}`);
    }
    const match = /LISTENING (\d+)/.exec(output);
    if (match) port = Number(match[1]);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reply = await request(port, "/metrics");
  contentType = reply.headers["content-type"];
  samples = parseExposition(reply.body);
}, 40_000);

afterAll(async () => {
  const child = primary;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  remove();
});

describe("cluster – a primary serving two workers' metrics", () => {
  it("sums the request counter across workers (Fastify 3 + Express 5)", () => {
    expect(select(samples, "http_requests_total")).toEqual([
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "/work/:id", status: "200" },
        value: 8,
      },
      {
        name: "http_requests_total",
        labels: { method: "GET", endpoint: "__unmatched__", status: "404" },
        value: 2,
      },
    ]);
  });

  it("sums histogram buckets and counts, and domain counters", () => {
    const where = { method: "GET", endpoint: "/work/:id" };
    expect(valueOf(samples, "http_request_duration_seconds_count", where)).toBe(8);
    expect(valueOf(samples, "http_request_duration_seconds_bucket", { ...where, le: "+Inf" })).toBe(
      8,
    );
    expect(select(samples, "http_request_duration_seconds_bucket", where)).toHaveLength(15);
    expect(valueOf(samples, "crisislen_items_processed_total")).toBe(30);
    expect(valueOf(samples, "crisislen_workflows_active")).toBe(0);
  });

  it("includes the default process metrics once, and leaves out the summary", () => {
    expect(select(samples, "process_cpu_user_seconds_total")).toHaveLength(1);
    expect(select(samples, "nodejs_version_info")).toHaveLength(1);
    expect(select(samples, "http_request_duration_summary_seconds")).toEqual([]);
    expect(select(samples, "http_request_duration_summary_seconds_count")).toEqual([]);
  });

  it("answers in the Prometheus text format", () => {
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("refuses clusterMetricsHandler in a worker and enableClusterWorkerMetrics outside one", () => {
    expect(output).toContain(
      "WORKER_ERROR @crisislen/observability: clusterMetricsHandler() serves the workers' metrics from the cluster primary; this process is a worker (call enableClusterWorkerMetrics() here instead)",
    );
    expect(() => enableClusterWorkerMetrics()).toThrow(
      "@crisislen/observability: enableClusterWorkerMetrics() belongs in a cluster worker; in the primary, serve the aggregate with clusterMetricsHandler()",
    );
  });

  it("validates its token option at setup", () => {
    expect(() => clusterMetricsHandler({ token: "" })).toThrow(
      "@crisislen/observability: token must be a non-empty string",
    );
  });
});

describe("clusterMetricsHandler – in a primary without workers", () => {
  it("answers an empty exposition, 405 to other methods, 401 without the token", async () => {
    const open = createServer(clusterMetricsHandler());
    const guarded = createServer(clusterMetricsHandler({ token: "s3cret" }));
    try {
      const port = await listen(open);
      const empty = await request(port, "/metrics");
      expect([empty.status, empty.body, empty.headers["content-type"]]).toEqual([
        200,
        "",
        "text/plain; version=0.0.4; charset=utf-8",
      ]);
      expect((await request(port, "/metrics", { method: "POST" })).status).toBe(405);
      const guardedPort = await listen(guarded);
      expect((await request(guardedPort, "/metrics")).status).toBe(401);
      const authorized = await request(guardedPort, "/metrics", {
        headers: { authorization: "Bearer s3cret" },
      });
      expect(authorized.status).toBe(200);
    } finally {
      await Promise.all([close(open), close(guarded)]);
    }
  });
});
