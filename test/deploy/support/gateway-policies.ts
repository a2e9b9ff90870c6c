/** The tail_sampling policies of the gateway, as the opentelemetry-collector chart renders them. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { collectorConfig, collectorWorkload } from "./collector-config.js";
import { monitoringDir } from "./paths.js";
import type { TailSamplingPolicy } from "./tail-sampling.js";
import { renderUpstream } from "./upstream-render.js";

export const GATEWAY_VALUES = path.join(monitoringDir, "otel-collector/gateway-values.yaml");

/**
 * Renders the gateway release with the shipped values, then each of `overrides` as a further
 * values file (what a user passes with a second `-f`), and returns the rendered policy list.
 */
export async function renderedGatewayPolicies(
  overrides: object[] = [],
): Promise<TailSamplingPolicy[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "crisislen-sampling-"));
  const files = overrides.map((values, i) => {
    const file = path.join(dir, `override-${i}.yaml`);
    writeFileSync(file, stringify(values));
    return file;
  });
  const { objects } = await renderUpstream(
    "opentelemetry-collector",
    "otel-gateway",
    "monitoring",
    [GATEWAY_VALUES, ...files],
  );
  const config = collectorConfig(objects, collectorWorkload(objects, "Deployment"));
  const tail = config.processors?.tail_sampling as { policies?: TailSamplingPolicy[] } | undefined;
  if (!tail?.policies) throw new Error("the rendered gateway config has no tail_sampling policies");
  return tail.policies;
}
