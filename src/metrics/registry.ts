/**
 * Which prom-client registry the metrics live in, and get-or-create registration: the same
 * metric registered again (a second plugin, a second app, a hot reload) is reused; a different
 * metric under the same name is a clear error instead of prom-client's "already registered".
 */
import type { Registry, RegistryContentType } from "prom-client";
import { register as promClientGlobalRegistry } from "prom-client";
import { sharedSlot } from "../kernel/global-state.js";
import { PACKAGE_NAME } from "../kernel/logger.js";
import { invalid } from "../kernel/validate.js";
import type { MetricShape } from "./metric-object.js";
import { OWN_METRIC } from "./metric-object.js";

/** A prom-client registry of either exposition format (text or OpenMetrics). */
export type AnyRegistry = Registry<RegistryContentType>;

/**
 * The process-wide default registry: prom-client's global `register`, as seen by the first copy
 * of this package that loaded. Later copies (the other build, another installed version) reuse
 * it, so there is one registry per process even when two prom-client copies are installed.
 */
export function defaultRegistry(): AnyRegistry {
  return sharedSlot<AnyRegistry>("registry", () => promClientGlobalRegistry);
}

/** The `registry` option: a prom-client `Registry` (of any copy of prom-client), or absent. */
export function registryOption(option: string, value: unknown): AnyRegistry | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<AnyRegistry> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.getSingleMetric !== "function" ||
    typeof candidate.registerMetric !== "function" ||
    typeof candidate.getMetricsAsJSON !== "function"
  ) {
    throw invalid(option, "a prom-client Registry", value);
  }
  return value as AnyRegistry;
}

interface RegisteredMetric {
  readonly name: string;
  readonly shape: MetricShape;
}

function describeShape(shape: MetricShape): string {
  const labels =
    shape.labelNames.length > 0 ? `labels [${shape.labelNames.join(", ")}]` : "no labels";
  const buckets = shape.buckets ? `, buckets [${shape.buckets.join(", ")}]` : "";
  const percentiles = shape.percentiles ? `, percentiles [${shape.percentiles.join(", ")}]` : "";
  return `a ${shape.type} with ${labels}${buckets}${percentiles}`;
}

function describeForeign(metric: unknown): string {
  const candidate = metric as { type?: unknown; labelNames?: unknown };
  const labels = Array.isArray(candidate.labelNames) ? candidate.labelNames.join(", ") : "?";
  return `a ${String(candidate.type ?? "metric")} with labels [${labels}] not created by ${PACKAGE_NAME}`;
}

function sameShape(a: MetricShape, b: MetricShape): boolean {
  const sameList = (x: readonly unknown[] = [], y: readonly unknown[] = []) =>
    x.length === y.length && x.every((value, index) => value === y[index]);
  return (
    a.type === b.type &&
    sameList(a.labelNames, b.labelNames) &&
    sameList(a.buckets, b.buckets) &&
    sameList(a.percentiles, b.percentiles)
  );
}

/**
 * Returns the metric named `name` from `registry` when it is ours and has the same shape;
 * registers `create()` when the name is free; throws an `Error` naming both shapes otherwise.
 */
export function getOrRegister<M extends RegisteredMetric>(
  registry: AnyRegistry,
  name: string,
  shape: MetricShape,
  create: () => M,
): M {
  const existing = registry.getSingleMetric(name) as unknown;
  if (existing !== undefined) {
    const own = (existing as Record<symbol, unknown>)[OWN_METRIC] === true;
    if (own && sameShape((existing as RegisteredMetric).shape, shape)) return existing as M;
    const found = own
      ? describeShape((existing as RegisteredMetric).shape)
      : describeForeign(existing);
    throw new Error(
      `${PACKAGE_NAME}: the registry already has a metric named "${name}" that is ${found}; ` +
        `this package needs ${describeShape(shape)}. Remove the other metric or pass another registry (the \`registry\` option).`,
    );
  }
  const metric = create();
  registry.registerMetric(metric as unknown as Parameters<AnyRegistry["registerMetric"]>[0]);
  return metric;
}
