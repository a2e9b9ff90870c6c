/**
 * 20 scrapers hitting /metrics in parallel while 2,000 requests run: every scrape is a valid
 * exposition, counters and histogram counts never go backwards between two scrapes of one
 * scraper, and the final count is exact.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseExposition, select, type Sample } from "../support/exposition.js";
import {
  APPS,
  captureProcessErrors,
  pool,
  promtoolValid,
  requestsTotal,
  send,
  type TestApp,
} from "./support.js";

const SCRAPERS = 20;
const REQUESTS = 2000;

let running: TestApp | undefined;
let captured: ReturnType<typeof captureProcessErrors> | undefined;
afterEach(async () => {
  captured?.restore();
  await running?.close();
  running = captured = undefined;
});

const key = (s: Sample): string => `${s.name}${JSON.stringify(s.labels)}`;

/** Histogram invariants inside one scrape: cumulative buckets, `+Inf` equal to `_count`. */
function histogramProblems(samples: Sample[]): string[] {
  const problems: string[] = [];
  for (const count of select(samples, "http_request_duration_seconds_count")) {
    const buckets = select(samples, "http_request_duration_seconds_bucket", count.labels);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i]!.value < buckets[i - 1]!.value)
        problems.push(`not cumulative: ${key(buckets[i]!)}`);
    }
    if (buckets.at(-1)?.labels.le !== "+Inf" || buckets.at(-1)?.value !== count.value) {
      problems.push(`+Inf bucket differs from _count: ${key(count)}`);
    }
  }
  return problems;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};

describe.each(APPS)("concurrent scrapes on %s", (_name, start) => {
  it(`${SCRAPERS} scrapers during ${REQUESTS} requests: every scrape valid, counts monotonic, final exact`, async () => {
    captured = captureProcessErrors();
    const app = (running = await start());

    const timed = async (i: number): Promise<number> => {
      const t = performance.now();
      const status = await send(app.port, `/claims/${i}`);
      if (status !== 200) throw new Error(`request ${i} answered ${status}`);
      return performance.now() - t;
    };
    const baseline = await pool(400, 8, timed);

    let loadDone = false;
    const texts: string[][] = Array.from({ length: SCRAPERS }, () => []);
    const problems: string[] = [];
    const scraper = async (index: number): Promise<void> => {
      const previous = new Map<string, number>();
      while (!loadDone) {
        const reply = await app.scrapeRaw();
        if (reply.status !== 200) {
          problems.push(`scrape answered ${reply.status}`);
          continue;
        }
        texts[index]!.push(reply.body);
        const samples = parseExposition(reply.body);
        problems.push(...histogramProblems(samples));
        for (const sample of samples) {
          if (
            sample.name !== "http_requests_total" &&
            sample.name !== "http_request_duration_seconds_count"
          )
            continue;
          const before = previous.get(key(sample)) ?? 0;
          if (sample.value < before)
            problems.push(`went backwards: ${key(sample)} ${before} → ${sample.value}`);
          previous.set(key(sample), sample.value);
        }
        if (requestsTotal(samples) > 400 + REQUESTS) problems.push("counted more than was sent");
      }
    };
    const scrapers = Array.from({ length: SCRAPERS }, (_, i) => scraper(i));
    const underLoad = await pool(REQUESTS, 8, (i) => timed(400 + i));
    loadDone = true;
    await Promise.all(scrapers);

    expect(problems).toEqual([]);
    const scrapes = texts.reduce((sum, list) => sum + list.length, 0);
    expect(scrapes).toBeGreaterThanOrEqual(SCRAPERS);
    // promtool on the last exposition of every scraper (a process per check; all of them would be slow).
    const checked = await Promise.all(
      texts.filter((list) => list.length > 0).map((list) => promtoolValid(list.at(-1)!)),
    );
    expect(checked.flat()).toEqual([]);
    const final = await app.scrape();
    expect(requestsTotal(final)).toBe(400 + REQUESTS);
    expect(select(final, "http_requests_total")).toHaveLength(1);
    expect(captured.errors).toEqual([]);
    console.log(
      `[scrapes ${app.name}] ${scrapes} scrapes by ${SCRAPERS} scrapers during ${REQUESTS} requests; request p50 ${percentile(baseline, 0.5).toFixed(2)} → ${percentile(underLoad, 0.5).toFixed(2)} ms, p99 ${percentile(baseline, 0.99).toFixed(2)} → ${percentile(underLoad, 0.99).toFixed(2)} ms`,
    );
  });
});
