/**
 * Pod identity on the trace resource, from the Deployments deploy/ renders to what the package
 * puts on every span: each rendered Deployment's environment is resolved the way the kubelet
 * resolves it for a given pod (envFrom ConfigMap values, downward-API fieldRefs, `$(VAR)`
 * references to variables defined before), then handed to the package's resource builder.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/tracing/config.js";
import { buildResource } from "../../src/tracing/resource.js";
import { findOne, type KubeObject } from "./support/manifests.js";
import { allRenderedSets } from "./support/rendered.js";

/** The pod the kubelet is starting. */
const POD = {
  "metadata.name": "crisislen-api-7d9f8b6c5-x2x4q",
  "metadata.uid": "0c7a1e2d-4f5b-4c3a-9e8d-1b2c3d4e5f60",
  "metadata.namespace": "crisislen",
  "spec.nodeName": "node-a1",
} as const;

/** The container environment the kubelet builds: envFrom ConfigMaps, then env in order. */
function podEnvironment(objects: KubeObject[]): Record<string, string> {
  const deployment = findOne<IDeployment>(objects, "Deployment");
  const container = deployment.spec!.template.spec!.containers[0]!;
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const configMap = findOne<{ data: Record<string, string> }>(
      objects,
      "ConfigMap",
      source.configMapRef.name,
    );
    Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? ([] as IEnvVar[])) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    if (field !== undefined) {
      if (!(field in POD)) throw new Error(`${variable.name}: fieldRef ${field} not simulated`);
      env[variable.name] = POD[field as keyof typeof POD];
    } else if (variable.value !== undefined) {
      // $(NAME) expands to a variable defined earlier; an unknown one stays as written.
      env[variable.name] = variable.value.replace(/\$\((\w+)\)/g, (ref, name: string) =>
        env[name] !== undefined ? env[name] : ref,
      );
    }
  }
  return env;
}

describe("pod identity: from the rendered Deployments to the trace resource", () => {
  let sets: [string, KubeObject[]][];

  beforeAll(async () => {
    const all = await allRenderedSets();
    sets = Object.entries(all).filter(([, objects]) =>
      objects.some((o) => o.kind === "Deployment"),
    );
  }, 120_000);

  it("renders the app Deployment in the Helm (default, production) and kustomize (staging, production) sets", () => {
    expect(sets.map(([name]) => name).sort()).toEqual([
      "helm (default values)",
      "helm (production values)",
      "kustomize overlays/production",
      "kustomize overlays/staging",
    ]);
  });

  it("every Deployment passes the pod's uid, name, namespace and node, and the package puts them on the resource", () => {
    for (const [name, objects] of sets) {
      const env = podEnvironment(objects);
      const attributes = buildResource(resolveConfig({}, env), env).attributes;
      expect(attributes, name).toMatchObject({
        "k8s.pod.uid": POD["metadata.uid"],
        "k8s.pod.name": POD["metadata.name"],
        "k8s.namespace.name": POD["metadata.namespace"],
        "k8s.node.name": POD["spec.nodeName"],
      });
      // Every $(VAR) of OTEL_RESOURCE_ATTRIBUTES resolved: none would reach the span as text.
      expect(env.OTEL_RESOURCE_ATTRIBUTES, name).not.toContain("$(");
      expect(env.OTEL_RESOURCE_ATTRIBUTES, name).toContain(`k8s.pod.uid=${POD["metadata.uid"]}`);
    }
  });
});
