/**
 * How long a pod takes to stop when its trace collector is down — measured on a real process
 * (test/fixtures/runtime/app.ts) with spans queued, SIGTERM, and a drain delay of 600 ms:
 *
 * - nothing listening at the endpoint: the flush gives up at the first refused connection, so
 *   the pod exits 0 right after the drain, with one warning naming the endpoint and the error;
 * - a collector that accepts and never answers: the flush waits only for what is left of the
 *   one shutdown budget (SHUTDOWN_TIMEOUT_MS), then exits 0 with a warning — not 1.
 */
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../health/http-client.js";
import { bundleFixture } from "../support/bundle-fixture.js";
import { startService } from "./support/service.js";
import type { Service } from "./support/service.js";

const DRAIN_MS = 600;
const measured: Record<string, number> = {};
let bundle = "";
let remove = (): void => undefined;

beforeAll(async () => {
  ({ bundle, remove } = await bundleFixture("runtime", "crisislen-collector-down"));
});
afterAll(() => {
  remove();
  process.stdout.write(
    `shutdown with the collector down (ms from SIGTERM to exit): ${JSON.stringify(measured)}\n`,
  );
});

/** A port of 127.0.0.1 where nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A "collector" that accepts connections and never answers. */
async function hangingCollector(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** stderr lines, without the tracing setup's advice the fixture triggers on unrelated grounds. */
const ownStderr = (service: Service) =>
  service
    .stderr()
    .split("\n")
    .filter(
      (line) =>
        line !== "" &&
        !/^@crisislen\/observability: (instrumentApp\(app\) was called after routes|express is not instrumented)/.test(
          line,
        ),
    );

/** Queues spans (the batch delay keeps them queued), sends SIGTERM, resolves with the exit. */
async function terminateWithQueuedSpans(service: Service) {
  for (let i = 0; i < 5; i++) expect((await get(service.port, "/span")).body).toBe("recorded");
  const signalledAt = Date.now();
  service.child.kill("SIGTERM");
  const exit = await service.exited;
  return { code: exit.code, tookMs: exit.at - signalledAt };
}

describe.each(["fastify5", "express5"])(
  "SIGTERM with the trace collector down – %s",
  (framework) => {
    it("nothing listening: exits 0 right after the drain, warning with the endpoint and ECONNREFUSED", async () => {
      const port = await closedPort();
      const endpoint = `http://127.0.0.1:${port}/v1/traces`;
      const service = await startService(bundle, framework, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "60000",
        SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
      });
      const { code, tookMs } = await terminateWithQueuedSpans(service);
      measured[`${framework} refused`] = tookMs;
      expect(code).toBe(0);
      expect(tookMs).toBeGreaterThanOrEqual(DRAIN_MS);
      expect(tookMs).toBeLessThan(DRAIN_MS + 1000); // was DRAIN_MS + 5000: the flush's own bound
      expect(ownStderr(service)).toEqual([
        `@crisislen/observability: tracing shutdown: exporting to ${endpoint} failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port}); the collector is unreachable, so queued spans were dropped without waiting`,
      ]);
    });

    it("a collector that hangs: exits 0 within the one SHUTDOWN_TIMEOUT_MS budget, not 1", async () => {
      const collector = await hangingCollector();
      try {
        const endpoint = `http://127.0.0.1:${collector.port}/v1/traces`;
        const service = await startService(bundle, framework, {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
          OTEL_BSP_SCHEDULE_DELAY: "60000",
          SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
          SHUTDOWN_TIMEOUT_MS: "2000",
        });
        const { code, tookMs } = await terminateWithQueuedSpans(service);
        measured[`${framework} hanging`] = tookMs;
        expect(code).toBe(0);
        expect(tookMs).toBeGreaterThanOrEqual(1500);
        expect(tookMs).toBeLessThan(2500); // exit 0 above says it was within the 2000 ms budget
        const lines = ownStderr(service);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(
            `^@crisislen/observability: tracing shutdown gave up after \\d+ ms \\(exporting to ${endpoint.replace(/[./]/g, "\\$&")}\\); queued spans were dropped$`,
          ),
        );
      } finally {
        await collector.close();
      }
    });
  },
);
