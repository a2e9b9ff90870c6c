import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { getInFlightGauge } from "../../src/metrics/http-extras.js";
import { LabelledGauge } from "../../src/metrics/labelled-gauge.js";

describe("LabelledGauge", () => {
  it("lowers the series it raised, so a reset in between leaves no series above or below 0", async () => {
    const gauge = new LabelledGauge({ name: "g", help: "h", labelNames: ["method"] });
    const kept = gauge.series(["GET"]);
    const before = kept.inc(); // a request that started before the reset
    gauge.reset();
    const after = kept.inc(); // a request that started after it, through the kept series
    expect(after).not.toBe(before);
    expect(gauge.get().values).toEqual([{ value: 1, labels: { method: "GET" } }]);
    before.dec();
    after.dec();
    expect(gauge.get().values).toEqual([{ value: 0, labels: { method: "GET" } }]);
  });

  it("lives in a prom-client registry and is reused by a second registration", async () => {
    const registry = new Registry();
    const gauge = getInFlightGauge(registry, ["method", "endpoint"]);
    expect(getInFlightGauge(registry, ["method", "endpoint"])).toBe(gauge);
    gauge.series(["GET", "/a"]).inc();
    expect(await registry.metrics()).toContain(
      'http_requests_in_flight{method="GET",endpoint="/a"} 1',
    );
    expect(() => getInFlightGauge(registry, ["method"])).toThrow(
      'the registry already has a metric named "http_requests_in_flight" that is a gauge with labels [method, endpoint]; this package needs a gauge with labels [method]',
    );
  });
});
