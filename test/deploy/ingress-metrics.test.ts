/**
 * Finding #5: /metrics was public through the Ingress. The app port may serve /metrics too (the
 * metrics plugin's default route; Express matches paths case-insensitively), and the Ingress routed
 * all of `/` to it. In every rendered set, no spelling of /metrics on the public host may reach a
 * backend, and the metrics port is never an Ingress backend; the app's other routes still reach it.
 */
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { beforeAll, describe, expect, it } from "vitest";
import { helmTemplate } from "./support/helm.js";
import { normalizeUri, route } from "./support/ingress-nginx.js";
import { kustomizeOverlay } from "./support/kustomize.js";
import type { KubeObject } from "./support/manifests.js";

const METRICS_SPELLINGS = [
  "/metrics",
  "/metrics/",
  "/METRICS",
  "/Metrics/",
  "/metrics?name[]=http_requests_total",
  "//metrics",
  "/%6Detrics",
  "/./metrics",
  "/claims/../metrics",
  "/metrics/anything",
];
const APP_ROUTES = [
  "/",
  "/claims",
  "/claims/42/process",
  "/health/ready",
  "/metrics-report",
  "/api/metrics",
];

let sets: [string, KubeObject[]][];

beforeAll(async () => {
  const [helmDefault, helmProduction, staging, production] = await Promise.all([
    helmTemplate(),
    helmTemplate({ release: "crisislen-api", valuesFiles: ["values-production.yaml"] }),
    kustomizeOverlay("staging"),
    kustomizeOverlay("production"),
  ]);
  sets = [
    ["helm (default values)", helmDefault],
    ["helm (production values)", helmProduction],
    ["kustomize overlays/staging", staging],
    ["kustomize overlays/production", production],
  ];
});

const hostOf = (objects: KubeObject[]) =>
  (objects.find((o) => o.kind === "Ingress") as IIngress).spec?.rules?.[0]?.host ?? "";

describe("the public Ingress and /metrics", () => {
  it("normalizes request paths the way nginx does before matching (self-check)", () => {
    expect(METRICS_SPELLINGS.map(normalizeUri)).toEqual([
      "/metrics",
      "/metrics/",
      "/METRICS",
      "/Metrics/",
      "/metrics",
      "/metrics",
      "/metrics",
      "/metrics",
      "/metrics",
      "/metrics/anything",
    ]);
  });

  it("refuses every spelling of /metrics on the public host (403 before proxying)", () => {
    for (const [label, objects] of sets) {
      for (const path of METRICS_SPELLINGS) {
        expect(route(objects, hostOf(objects), path).kind, `${label} ${path}`).toBe("denied");
      }
    }
  });

  it("still sends the app's own routes, /metrics-report included, to the app port", () => {
    for (const [label, objects] of sets) {
      for (const path of APP_ROUTES) {
        expect(route(objects, hostOf(objects), path), `${label} ${path}`).toMatchObject({
          kind: "backend",
          port: "http",
        });
      }
    }
  });

  it("never names the metrics port as a backend", () => {
    for (const [label, objects] of sets) {
      const ports = objects
        .filter((o) => o.kind === "Ingress")
        .flatMap((o) => (o as IIngress).spec?.rules ?? [])
        .flatMap((rule) => rule.http?.paths ?? [])
        .map((p) => p.backend.service?.port?.name ?? p.backend.service?.port?.number);
      expect(ports.length, label).toBeGreaterThan(0);
      expect(
        ports.filter((p) => p !== "http"),
        label,
      ).toEqual([]);
    }
  });

  it("would route /metrics to the app without the blocking Ingress (the check can fail)", () => {
    for (const [label, objects] of sets) {
      const unblocked = objects.filter((o) => !o.metadata.name.endsWith("-blocked-paths"));
      expect(route(unblocked, hostOf(objects), "/metrics"), label).toMatchObject({
        kind: "backend",
        port: "http",
      });
    }
  });
});
