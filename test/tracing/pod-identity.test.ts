/**
 * The pod's identity on the trace resource, from the downward-API variables the deploy/
 * Deployments set: what the collector's k8s_attributes processor matches a span's pod by
 * (k8s.pod.uid first) and what Jaeger shows as the pod that served a trace.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/tracing/config.js";
import { buildResource } from "../../src/tracing/resource.js";

const POD_ENV = {
  K8S_POD_NAME: "crisislen-api-7d9f8b6c5-x2x4q",
  K8S_POD_UID: "0c7a1e2d-4f5b-4c3a-9e8d-1b2c3d4e5f60",
  K8S_NAMESPACE_NAME: "crisislen",
  K8S_NODE_NAME: "node-a1",
};

describe("pod identity on the trace resource", () => {
  it("puts k8s.pod.uid, k8s.pod.name, k8s.namespace.name and k8s.node.name on every span's resource", () => {
    const attributes = buildResource(resolveConfig({}, POD_ENV), POD_ENV).attributes;
    expect(attributes).toMatchObject({
      "k8s.pod.uid": "0c7a1e2d-4f5b-4c3a-9e8d-1b2c3d4e5f60",
      "k8s.pod.name": "crisislen-api-7d9f8b6c5-x2x4q",
      "k8s.namespace.name": "crisislen",
      "k8s.node.name": "node-a1",
    });
  });

  it("leaves out a variable that is unset or blank (outside Kubernetes)", () => {
    const env = { ...POD_ENV, K8S_POD_UID: "  " };
    const attributes = buildResource(resolveConfig({}, env), env).attributes;
    expect(attributes).not.toHaveProperty("k8s.pod.uid");
    expect(buildResource(resolveConfig({}, {}), {}).attributes).not.toHaveProperty("k8s.pod.uid");
  });

  it("an explicit resource attribute still wins over the downward API", () => {
    const attributes = buildResource(
      resolveConfig({ resourceAttributes: { "k8s.pod.uid": "from-options" } }, POD_ENV),
      POD_ENV,
    ).attributes;
    expect(attributes["k8s.pod.uid"]).toBe("from-options");
  });
});
