import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Counter } from "../../src/metrics/counter.js";
import { Gauge } from "../../src/metrics/gauge.js";
import { Histogram } from "../../src/metrics/histogram.js";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { parseExposition, select, valueOf } from "../support/exposition.js";

const inRegistry = <M>(metric: M): { registry: Registry; metric: M } => {
  const registry = new Registry();
  registry.registerMetric(metric as never);
  return { registry, metric };
};
const scrape = async (registry: Registry) => parseExposition(await renderRegistry(registry, false));

describe("Counter – the prom-client compatible API", () => {
  it("inc with labels, labels() children, remove and reset", async () => {
    const { registry, metric } = inRegistry(
      new Counter<"a" | "b">({ name: "c_total", help: "h", labelNames: ["a", "b"] }),
    );
    metric.inc({ a: "1", b: 2 });
    metric.inc({ a: "1", b: "2" }, 2);
    metric.labels("x", "y").inc();
    metric.labels("x", "y").inc(4);
    expect(valueOf(await scrape(registry), "c_total", { a: "1", b: "2" })).toBe(3);
    expect(valueOf(await scrape(registry), "c_total", { a: "x", b: "y" })).toBe(5);
    metric.remove("x", "y");
    expect(select(await scrape(registry), "c_total")).toHaveLength(1);
    expect(metric.seriesCount).toBe(1);
    metric.reset();
    expect(select(await scrape(registry), "c_total")).toHaveLength(0);
  });

  it("keeps counting through a bound series after reset", async () => {
    const { registry, metric } = inRegistry(
      new Counter<"a">({ name: "bound_total", help: "h", labelNames: ["a"] }),
    );
    const series = metric.series(["v"]);
    series.inc();
    metric.reset();
    series.inc(2);
    expect(valueOf(await scrape(registry), "bound_total", { a: "v" })).toBe(2);
  });

  it("rejects wrong label counts, bad label values and bad increments, naming the metric", () => {
    const metric = new Counter<"a">({ name: "x_total", help: "h", labelNames: ["a"] });
    expect(() => metric.labels()).toThrow("x_total label values must be 1 (a), got 0");
    expect(() => metric.inc({ a: Number.NaN })).toThrow(
      'x_total label "a" must be a string or a finite number, got NaN',
    );
    expect(() => metric.labels("v").inc(-1)).toThrow(
      "x_total increment must be a finite number ≥ 0, got -1",
    );
    const plain = new Counter({ name: "y_total", help: "h" });
    expect(() => plain.inc({ a: "1" })).toThrow(
      'y_total label names must be among (none), got "a"',
    );
    plain.inc(2);
    expect(plain.get().values).toEqual([{ value: 2, labels: {} }]);
  });
});

describe("Histogram – the prom-client compatible API", () => {
  it("observe with and without labels, labels(), startTimer, remove", async () => {
    const { registry, metric } = inRegistry(
      new Histogram<"r">({ name: "h_seconds", help: "h", labelNames: ["r"], buckets: [0.1, 1] }),
    );
    metric.observe({ r: "a" }, 0.05);
    metric.labels("a").observe(0.5);
    const end = metric.startTimer({ r: "b" });
    expect(end()).toBeGreaterThanOrEqual(0);
    const samples = await scrape(registry);
    expect(
      select(samples, "h_seconds_bucket", { r: "a" }).map((s) => [s.labels.le, s.value]),
    ).toEqual([
      ["0.1", 1],
      ["1", 2],
      ["+Inf", 2],
    ]);
    expect(valueOf(samples, "h_seconds_count", { r: "b" })).toBe(1);
    metric.remove("b");
    expect(metric.seriesCount).toBe(1);
    expect(() => metric.labels("a").observe(Number.NaN)).toThrow(
      "h_seconds value must be a finite number, got NaN",
    );
    expect(() => metric.observe({ r: "a" }, "1" as never)).toThrow(
      'h_seconds value must be a finite number, got "1"',
    );
  });

  it("prints an empty label-less histogram with zero counts", async () => {
    const { registry } = inRegistry(
      new Histogram({ name: "empty_seconds", help: "h", buckets: [1] }),
    );
    expect(select(await scrape(registry), "empty_seconds_bucket").map((s) => s.value)).toEqual([
      0, 0,
    ]);
  });

  it("keeps observing through a bound series after reset", async () => {
    const { registry, metric } = inRegistry(
      new Histogram<"r">({ name: "b_seconds", help: "h", labelNames: ["r"], buckets: [1] }),
    );
    const series = metric.series(["x"]);
    metric.reset();
    series.observe(0.5);
    expect(valueOf(await scrape(registry), "b_seconds_count", { r: "x" })).toBe(1);
  });
});

describe("Gauge", () => {
  it("inc, dec, set, reset, and errors naming the metric", async () => {
    const { registry, metric } = inRegistry(new Gauge({ name: "g", help: "h" }));
    metric.inc(3);
    metric.dec();
    expect(valueOf(await scrape(registry), "g")).toBe(2);
    metric.set(7);
    expect(metric.value).toBe(7);
    metric.reset();
    expect(metric.value).toBe(0);
    expect(() => metric.inc(-1)).toThrow("g increment must be a finite number ≥ 0, got -1");
    expect(() => metric.dec(Infinity)).toThrow(
      "g decrement must be a finite number ≥ 0, got Infinity",
    );
  });
});
