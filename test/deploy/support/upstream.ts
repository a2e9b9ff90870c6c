/**
 * The real upstream Helm charts the deploy folder installs, packaged as `helm dependency build` would
 * download them. They live beside the repository (`../shared/charts`, or CRISISLEN_UPSTREAM_CHARTS);
 * a fresh clone has none, and the tests that render them skip with the reason from `upstreamMissing()`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { deployScript, repoRoot } from "./paths.js";

export const upstreamChartsDir = path.resolve(
  process.env.CRISISLEN_UPSTREAM_CHARTS ?? path.join(repoRoot, "../shared/charts"),
);

/** Chart name → the version deploy.sh pins (its `<NAME>_CHART_VERSION:-x.y.z` defaults). */
function pinnedVersions(): Record<string, string> {
  const script = readFileSync(deployScript, "utf8");
  const pin = (variable: string) => {
    const version = new RegExp(`${variable}="\\$\\{${variable}:-([^}]+)\\}"`).exec(script)?.[1];
    if (!version) throw new Error(`deploy.sh pins no ${variable}`);
    return version;
  };
  return {
    postgresql: pin("POSTGRESQL_CHART_VERSION"),
    redis: pin("REDIS_CHART_VERSION"),
    jaeger: pin("JAEGER_CHART_VERSION"),
    "kube-prometheus-stack": pin("KPS_CHART_VERSION"),
    "opentelemetry-collector": pin("OTEL_COLLECTOR_CHART_VERSION"),
  };
}

export type UpstreamChart =
  "postgresql" | "redis" | "jaeger" | "kube-prometheus-stack" | "opentelemetry-collector";

/** The version deploy.sh pins for a chart. */
export function pinnedVersion(chart: UpstreamChart): string {
  return pinnedVersions()[chart] as string;
}

/** The package file of a chart at the version deploy.sh pins, e.g. …/jaeger-4.11.1.tgz. */
export function upstreamPackage(chart: UpstreamChart): string {
  return path.join(upstreamChartsDir, `${chart}-${pinnedVersions()[chart]}.tgz`);
}

export const UPSTREAM_CHARTS: UpstreamChart[] = [
  "postgresql",
  "redis",
  "jaeger",
  "kube-prometheus-stack",
  "opentelemetry-collector",
];

/** The versions of `chart` packaged in the upstream folder (whatever deploy.sh pins). */
export function availableVersions(chart: UpstreamChart): string[] {
  const pattern = new RegExp(`^${chart}-(\\d+\\.\\d+\\.\\d+)\\.tgz$`);
  return readdirSync(upstreamChartsDir).flatMap((file) => pattern.exec(file)?.[1] ?? []);
}

/**
 * Why the real charts can't be rendered here (no upstream folder, or a chart with no package in it),
 * or undefined. A package at another version than deploy.sh pins is not "missing": the tests then
 * fail on the pin instead of skipping.
 */
export function upstreamMissing(): string | undefined {
  if (!existsSync(upstreamChartsDir)) {
    return `the upstream chart packages are not on this machine (no ${upstreamChartsDir}; set CRISISLEN_UPSTREAM_CHARTS)`;
  }
  const absent = UPSTREAM_CHARTS.filter((chart) => availableVersions(chart).length === 0);
  if (absent.length === 0) return undefined;
  return `no package of ${absent.join(", ")} in ${upstreamChartsDir}`;
}

/** A describe title that says why it is skipped when the chart packages are absent. */
export function upstreamTitle(title: string): string {
  const missing = upstreamMissing();
  return missing ? `${title} (skipped: ${missing})` : title;
}
