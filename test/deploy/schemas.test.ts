import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "./support/manifests.js";
import { dashboardFile } from "./support/paths.js";
import { allRenderedSets } from "./support/rendered.js";
import {
  excessPropertyErrors,
  kubeTypedDocument,
  schemaErrors,
  type TypedDocument,
} from "./support/validate.js";

let sets: Record<string, KubeObject[]>;

beforeAll(async () => {
  sets = await allRenderedSets();
});

describe("rendered objects against the Kubernetes, prometheus-operator and cert-manager schemas", () => {
  it("renders something in every set", () => {
    for (const [name, objects] of Object.entries(sets)) {
      expect(objects.length, name).toBeGreaterThan(0);
    }
  });

  it("validates every object and uses only allowed API versions", async () => {
    const errors: string[] = [];
    for (const [name, objects] of Object.entries(sets)) {
      for (const object of objects) {
        const error = await schemaErrors(object);
        if (error) errors.push(`${name}: ${error}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it("catches a schema violation (self-check: a numeric annotation value)", async () => {
    const error = await schemaErrors({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "x",
        annotations: { "nginx.ingress.kubernetes.io/limit-rps": 100 as unknown as string },
      },
    });
    expect(error).toContain("limit-rps must be string");
  });

  it("refuses removed API versions", async () => {
    const error = await schemaErrors({
      apiVersion: "autoscaling/v2beta1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "x" },
    });
    expect(error).toBe("HorizontalPodAutoscaler/x: apiVersion autoscaling/v2beta1 is not allowed");
  });

  it("has no misspelled or unknown fields (TypeScript excess-property check), dashboard included", async () => {
    const documents: TypedDocument[] = Object.entries(sets).flatMap(([name, objects]) =>
      objects.map((object) => kubeTypedDocument(name, object)),
    );
    documents.push({
      name: "grafana dashboard",
      typeModule: "@grafana/schema",
      typeName: "Dashboard",
      value: JSON.parse(readFileSync(dashboardFile, "utf8")),
    });
    // Self-check: one deliberately misspelled document must be the only error.
    const deployment = (sets["kustomize overlays/production"] ?? []).find(
      (o) => o.kind === "Deployment",
    );
    documents.push({
      ...kubeTypedDocument("self-check", deployment as KubeObject),
      value: { ...deployment, spec: { ...(deployment?.spec as object), replica: 3 } },
    });
    const errors = await excessPropertyErrors(documents);
    expect(errors.filter((e) => !e.startsWith("self-check"))).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(
      "self-check Deployment/crisislen-api: error TS2353: Object literal may only specify known properties, and '\"replica\"' does not exist in type 'IDeploymentSpec'.",
    );
  }, 60_000);
});
