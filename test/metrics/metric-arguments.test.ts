/**
 * Bad arguments to the metric API are refused before anything is recorded or created — naming
 * the metric and the value, in the package's one message shape — and distinct label sets never
 * share a series, whatever their values contain. (Issue #15, bugs 3–6.)
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { getMetrics } from "../../src/metrics/crisislen-metrics.js";
import { Counter } from "../../src/metrics/counter.js";
import { Histogram } from "../../src/metrics/histogram.js";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";

function fresh() {
  const registry = new Registry();
  return { registry, metrics: getMetrics({ registry }) };
}

const scrape = async (registry: Registry) => parseExposition(await renderRegistry(registry, false));

describe("inc() takes a finite number ≥ 0 or a label object, nothing else (bug 4)", () => {
  it.each<[string, unknown, string]>([
    ["true", true, "got true"],
    ["null", null, "got null"],
    ['""', "", 'got ""'],
    ["[]", [], "got []"],
    ['"5"', "5", 'got "5"'],
  ])(
    "itemsProcessed.inc(%s) throws naming the metric and the value, and records nothing",
    async (_what, bad, got) => {
      const { registry, metrics } = fresh();
      expect(() => metrics.itemsProcessed.inc(bad as number)).toThrow(
        new TypeError(
          `@crisislen/observability: crisislen_items_processed_total increment must be a finite number ≥ 0, ${got}`,
        ),
      );
      expect(valueOf(await scrape(registry), "crisislen_items_processed_total")).toBe(0);
    },
  );

  it("still takes no argument, a number, and a label object with or without an amount", async () => {
    const { registry, metrics } = fresh();
    metrics.itemsProcessed.inc();
    metrics.itemsProcessed.inc(2);
    metrics.httpRequests.inc({ method: "GET", endpoint: "/a", status: "200" });
    metrics.httpRequests.inc({ method: "GET", endpoint: "/a", status: "200" }, 3);
    const samples = await scrape(registry);
    expect(valueOf(samples, "crisislen_items_processed_total")).toBe(3);
    expect(valueOf(samples, "http_requests_total", { endpoint: "/a" })).toBe(4);
  });
});

describe("labels(…) creates its series only on a valid record (bug 5)", () => {
  it("labels(…).inc(-1) throws and leaves no zero-valued series behind", async () => {
    const { registry, metrics } = fresh();
    const child = metrics.httpRequests.labels("GET", "/x", "200");
    expect(() => child.inc(-1)).toThrow(
      "@crisislen/observability: http_requests_total increment must be a finite number ≥ 0, got -1",
    );
    expect(select(await scrape(registry), "http_requests_total")).toEqual([]);
    child.inc();
    expect(valueOf(await scrape(registry), "http_requests_total", { endpoint: "/x" })).toBe(1);
  });

  it("labels(…).observe(NaN) throws and leaves no empty histogram series behind", async () => {
    const { registry, metrics } = fresh();
    expect(() => metrics.httpRequestDuration.labels("GET", "/x").observe(Number.NaN)).toThrow(
      "@crisislen/observability: http_request_duration_seconds value must be a finite number, got NaN",
    );
    expect(select(await scrape(registry), "http_request_duration_seconds_count")).toEqual([]);
  });

  it("labels(…) with bad label values still throws at once", () => {
    const counter = new Counter<"a">({ name: "a_total", help: "h", labelNames: ["a"] });
    expect(() => counter.labels({} as never)).toThrow(
      'a_total label "a" must be a string or a finite number, got an object',
    );
    expect(counter.seriesCount).toBe(0);
  });
});

describe("each metric speaks of its own operation (bug 6)", () => {
  it("workflowsActive.dec(-1) names the decrement, not a counter's rule", () => {
    const { metrics } = fresh();
    expect(() => metrics.workflowsActive.dec(-1)).toThrow(
      new RangeError(
        "@crisislen/observability: crisislen_workflows_active decrement must be a finite number ≥ 0, got -1",
      ),
    );
  });

  it("trackWorkflow(42) names the metric instead of failing inside", () => {
    const { metrics } = fresh();
    expect(() => metrics.trackWorkflow(42 as never)).toThrow(
      new TypeError(
        "@crisislen/observability: crisislen_workflows_active trackWorkflow() argument must be a function, got 42",
      ),
    );
    expect(metrics.workflowsActive.value).toBe(0);
  });
});

describe("distinct label sets never share a series (bug 3)", () => {
  it("(a\\u0001, b) and (a, \\u0001b) are two series of a counter", async () => {
    const registry = new Registry();
    const counter = new Counter<"x" | "y">({ name: "c_total", help: "h", labelNames: ["x", "y"] });
    registry.registerMetric(counter as never);
    counter.inc({ x: "a\u0001", y: "b" });
    counter.inc({ x: "a", y: "\u0001b" }, 2);
    expect(counter.seriesCount).toBe(2);
    const samples = await scrape(registry);
    expect(valueOf(samples, "c_total", { x: "a\u0001", y: "b" })).toBe(1);
    expect(valueOf(samples, "c_total", { x: "a", y: "\u0001b" })).toBe(2);
  });

  it("keeps label sets apart whatever separators, JSON or empty values they hold", () => {
    const histogram = new Histogram<"x" | "y" | "z">({
      name: "h_seconds",
      help: "h",
      labelNames: ["x", "y", "z"],
      buckets: [1],
    });
    const sets = [
      ["", "", ""],
      ["\u0001", "", ""],
      ["", "\u0001", ""],
      ["", "", "\u0001"],
      ["\u0001\u0001", "", ""],
      ["a", "b", "c"],
      ["a\u0001b", "c", ""],
      ["a", "b\u0001c", ""],
      ['["a","b","c"]', "", ""],
      ["\u0001\u0001\u0001", '["a","b","c"]', ""],
    ];
    for (const [x, y, z] of sets) histogram.observe({ x: x!, y: y!, z: z! }, 0.5);
    expect(histogram.seriesCount).toBe(sets.length);
    for (const [x, y, z] of sets) histogram.remove(x!, y!, z!);
    expect(histogram.seriesCount).toBe(0);
  });
});
