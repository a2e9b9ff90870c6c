/**
 * `getMetrics({ extraLabelNames })` holds the names to the rules the plugin and middleware
 * already apply to `extraLabels`: a name Prometheus cannot parse would make the whole exposition
 * unparseable (the target goes down with every metric), `le`/`quantile` would be overwritten by
 * the histogram and summary, and a built-in or repeated name would fold two labels into one.
 * (Issue #15, bug 2.)
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { renderRegistry } from "../../src/exposition/serialize.js";
import { getMetrics } from "../../src/metrics/crisislen-metrics.js";
import { promtoolValid } from "../reliability/support.js";

const RULE =
  'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than method, endpoint, status, le, quantile';

describe("getMetrics – extraLabelNames", () => {
  it.each<[string, unknown[], string]>([
    ["a hyphen", ["tenant-id"], `extraLabelNames[0] ${RULE}, got "tenant-id"`],
    ["an empty name", [""], `extraLabelNames[0] ${RULE}, got ""`],
    ["a leading digit", ["0abc"], `extraLabelNames[0] ${RULE}, got "0abc"`],
    ["a reserved __ name", ["__name__"], `extraLabelNames[0] ${RULE}, got "__name__"`],
    ["le", ["tier", "le"], `extraLabelNames[1] ${RULE}, got "le"`],
    ["a built-in label", ["method"], `extraLabelNames[0] ${RULE}, got "method"`],
    [
      "a name given twice",
      ["tier", "tier"],
      'extraLabelNames[1] must be a name not given before, got "tier"',
    ],
    ["a number", [7], `extraLabelNames[0] ${RULE}, got 7`],
  ])("rejects %s, registering nothing", async (_what, names, message) => {
    const registry = new Registry();
    expect(() => getMetrics({ registry, extraLabelNames: names as string[] })).toThrow(
      new TypeError(`@crisislen/observability: ${message}`),
    );
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });

  it("rejects a value that is not an array", () => {
    expect(() =>
      getMetrics({ registry: new Registry(), extraLabelNames: "tier" as never }),
    ).toThrow(
      '@crisislen/observability: extraLabelNames must be an array of label names, got "tier"',
    );
  });

  it("takes valid names, and the exposition stays parseable", async () => {
    const registry = new Registry();
    const metrics = getMetrics({ registry, extraLabelNames: ["tenant_id", "_tier"] });
    metrics.httpRequests.inc({
      method: "GET",
      endpoint: "/a",
      status: "200",
      tenant_id: "t",
      _tier: "gold",
    } as never);
    metrics.httpRequestDuration.observe(
      { method: "GET", endpoint: "/a", tenant_id: "t", _tier: "gold" } as never,
      0.1,
    );
    expect(await promtoolValid(await renderRegistry(registry, false))).toEqual([]);
  });
});
