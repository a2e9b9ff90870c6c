/**
 * The demo's traffic generator: claim journeys against a running claims API, one at a time with a
 * pause in between, so the load stays small and bounded however long it runs. A journey creates
 * a claim, fetches it, processes it, asks for its report (every 10th report fails by design), and
 * now and then fetches a claim that does not exist (404).
 *
 * demo.mjs runs this file in a worker thread: tracing hooks are per thread, so these requests are
 * not traced as client calls and each trace on the console starts at the server.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isMainThread, parentPort, workerData } from "node:worker_threads";

/** The nth claim: 1–3 line items whose total gives risk scores spread over 0.05–0.99. */
export function sampleClaim(n) {
  const total = 500 + ((n * 3_733) % 9_400);
  const count = 1 + (n % 3);
  const share = Math.floor(total / count);
  const items = Array.from({ length: count }, (_, i) => ({
    description: ["water damage", "roof repair", "replacement laptop"][i],
    amount: i === count - 1 ? total - share * (count - 1) : share,
  }));
  return { policyId: `POL-${1000 + (n % 7)}`, items };
}

/**
 * Starts the journeys and calls `onStats` after each. `stop()` aborts the request in flight and
 * resolves with the counts. Stops by itself when the API stops answering (it is shutting down).
 */
export function startTraffic(baseUrl, { pauseMs = 1000, onStats = () => {} } = {}) {
  const stats = { journeys: 0, requests: 0, byStatus: {} };
  const controller = new AbortController();
  const call = async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      signal: controller.signal,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    stats.requests += 1;
    stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
    return response.json();
  };

  const journey = async (n) => {
    const claim = await call("POST", "/claims", sampleClaim(n));
    await call("GET", `/claims/${claim.id}`);
    await call("POST", `/claims/${claim.id}/process`);
    await call("GET", `/claims/${claim.id}/report`);
    if (n % 5 === 4) await call("GET", `/claims/missing-${n}`);
  };

  const running = (async () => {
    for (let n = 0; !controller.signal.aborted; n += 1) {
      try {
        await journey(n);
        stats.journeys += 1;
        onStats(stats);
        await sleep(pauseMs, undefined, { signal: controller.signal });
      } catch {
        break; // aborted by stop(), or the API went away
      }
    }
  })();

  return {
    async stop() {
      controller.abort();
      await running;
      return stats;
    },
  };
}

if (!isMainThread && workerData?.baseUrl) {
  const traffic = startTraffic(workerData.baseUrl, {
    pauseMs: workerData.pauseMs,
    onStats: (stats) => parentPort.postMessage(stats),
  });
  parentPort.once("message", async () => {
    parentPort.postMessage(await traffic.stop());
    parentPort.close();
  });
}
