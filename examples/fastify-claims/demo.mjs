/**
 * `npm run demo`: the Fastify claims example (server.mjs) with a traffic generator, so the
 * metrics move and the traces show up without anything else to install.
 *
 *   node examples/fastify-claims/demo.mjs [--duration <seconds>]
 *
 * Runs until Ctrl-C or SIGTERM (the graceful shutdown of server.mjs: traces flushed, exit 0), or
 * for `--duration` seconds. Traces print on the console unless OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_TRACES_EXPORTER) says otherwise; PORT and METRICS_PORT pick the ports (0: any free one).
 */
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

const { values } = parseArgs({ options: { duration: { type: "string" } } });
const durationSeconds = values.duration === undefined ? undefined : Number(values.duration);
if (durationSeconds !== undefined && !(durationSeconds > 0 && durationSeconds <= 86_400)) {
  process.stderr.write(`demo: --duration must be a number of seconds, got "${values.duration}"\n`);
  process.exit(2);
}

// A local run has no load balancer to drain, so stop at once unless told otherwise. Set before
// server.mjs loads, since the shutdown reads it when it is enabled.
process.env.SHUTDOWN_DRAIN_DELAY_MS ??= "0";
const { url, metricsUrl, shutdown } = await import("./server.mjs");

process.stdout.write(
  [
    "",
    "Demo traffic: one claim journey a second (create → fetch → process → report; every 10th",
    "report fails with 500, every 5th journey also asks for a missing claim). Look at:",
    `  curl -s ${metricsUrl} | grep -E '^(http_requests_total|crisislen_)'`,
    `  curl -s ${url}/health/ready`,
    durationSeconds === undefined
      ? "Ctrl-C to stop."
      : `Stopping after ${durationSeconds} s (--duration).`,
    "",
  ].join("\n") + "\n",
);

const started = Date.now();
let stats = { journeys: 0, requests: 0, byStatus: {} };
const traffic = new Worker(new URL("./traffic.mjs", import.meta.url), {
  workerData: { baseUrl: url, pauseMs: 1000 },
});
traffic.on("message", (latest) => (stats = latest));
traffic.on("error", (error) => process.stderr.write(`demo: traffic generator failed: ${error}\n`));

function printSummary() {
  const statuses = Object.entries(stats.byStatus)
    .map(([status, count]) => `${count}× ${status}`)
    .join(", ");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\nDemo: ${stats.journeys} journeys, ${stats.requests} requests (${statuses || "none"}) in ${seconds} s.\n`,
  );
}

// The signal itself is handled by the graceful shutdown server.mjs enabled; this only stops the
// traffic so it does not hit a closing server.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    void traffic.terminate();
    printSummary();
  });
}

if (durationSeconds !== undefined) {
  setTimeout(async () => {
    const final = new Promise((resolve) => traffic.once("message", resolve));
    traffic.postMessage("stop");
    stats = await Promise.race([final, new Promise((r) => setTimeout(() => r(stats), 3000))]);
    await traffic.terminate();
    printSummary();
    await shutdown.shutdown(); // as on SIGTERM: close, flush the traces, exit 0
  }, durationSeconds * 1000);
}
