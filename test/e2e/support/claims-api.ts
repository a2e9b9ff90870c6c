/** A client for the claims examples' routes, and the banner they print once listening. */
import type { RunningProcess } from "./processes.js";

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface ClaimsApi {
  url: string;
  metricsUrl: string;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>>;
}

/** Reads the URLs from the banner (`… listening on http://…`, `… · http://…/metrics (metrics port)`). */
export async function claimsApiOf(process: RunningProcess, timeoutMs = 15_000): Promise<ClaimsApi> {
  const [, url] = await process.waitForOutput(
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    timeoutMs,
  );
  const [, metricsUrl] = await process.waitForOutput(
    /(http:\/\/127\.0\.0\.1:\d+\/metrics) \(metrics port\)/,
    timeoutMs,
  );
  return {
    url: url!,
    metricsUrl: metricsUrl!,
    async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
      const response = await fetch(`${url}${path}`, {
        method,
        signal: AbortSignal.timeout(10_000),
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as T };
    },
  };
}

/**
 * A claim whose risk score is `score`: every policy of the stub covers 10,000, and the score is
 * the claim's total over the coverage in hundredths, so a total of score × 10,000 (split over
 * `itemCount` items) scores exactly `score`.
 */
export function claimScoring(score: number, itemCount: number, policyId = "POL-E2E") {
  const total = Math.round(score * 10_000);
  const share = Math.floor(total / itemCount);
  const items = Array.from({ length: itemCount }, (_, i) => ({
    description: `item ${i + 1}`,
    amount: i === itemCount - 1 ? total - share * (itemCount - 1) : share,
  }));
  return { policyId, items };
}
