/**
 * Pod identity on the trace resource, from the Deployments deploy/ renders to what the package
 * puts on every span: each rendered Deployment's environment, as the kubelet builds it for a
 * stand-in pod (support/container-env.ts), handed to the package's resource builder.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/tracing/config.js";
import { buildResource } from "../../src/tracing/resource.js";
import { containerEnv, fieldValue, STAND_IN_POD_UID } from "./support/container-env.js";
import { helmTemplate } from "./support/helm.js";
import { PRODUCTION_SECRETS } from "./support/helm-secrets.js";
import { kustomizeOverlay } from "./support/kustomize.js";
import { findOne, type KubeObject } from "./support/manifests.js";

describe("pod identity: from the rendered Deployments to the trace resource", () => {
  let sets: [string, KubeObject[]][];

  beforeAll(async () => {
    const renders = await Promise.all([
      helmTemplate(),
      helmTemplate({ release: "crisislen-api", valuesFiles: ["values-production.yaml"] }),
      kustomizeOverlay("staging"),
      kustomizeOverlay("production"),
    ]);
    sets = [
      "helm (default values)",
      "helm (production values)",
      "kustomize overlays/staging",
      "kustomize overlays/production",
    ].map((name, i) => [name, renders[i]!]);
  }, 120_000);

  it("every Deployment passes the pod's uid, name, namespace and node, and the package puts them on the resource", () => {
    for (const [name, objects] of sets) {
      const deployment = findOne<IDeployment>(objects, "Deployment");
      const env = containerEnv(objects, deployment, { externalSecrets: PRODUCTION_SECRETS });
      const attributes = buildResource(resolveConfig({}, env), env).attributes;
      expect(attributes, name).toMatchObject({
        "k8s.pod.uid": STAND_IN_POD_UID,
        "k8s.pod.name": fieldValue(deployment, "metadata.name"),
        "k8s.namespace.name": fieldValue(deployment, "metadata.namespace"),
        "k8s.node.name": fieldValue(deployment, "spec.nodeName"),
      });
      // Every $(VAR) of OTEL_RESOURCE_ATTRIBUTES resolved: none would reach the span as text.
      expect(env.OTEL_RESOURCE_ATTRIBUTES, name).not.toContain("$(");
      expect(env.OTEL_RESOURCE_ATTRIBUTES, name).toContain(`k8s.pod.uid=${STAND_IN_POD_UID}`);
    }
  });
});
