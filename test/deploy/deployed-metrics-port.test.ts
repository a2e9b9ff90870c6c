/**
 * Finding #5, end to end: in the deployed configuration the exposition is served only on the
 * private metrics port. Each rendered set (the chart with default and production values, the
 * staging and production overlays of the kustomize base) gives the app's container an
 * environment, computed as the kubelet would from the rendered ConfigMap, Secret and env entries.
 * Every set must bind both listeners to the pod's interfaces on the container ports and keep
 * /metrics off the app port; every Ingress backend must reach the app port, never the metrics
 * port, and the ServiceMonitor must scrape the metrics port. Then both claims examples are started with exactly the production sets' environment,
 * except for what cannot work on a test machine: the listeners move to free ports on 127.0.0.1 and
 * OTLP goes to a local receiver. GET /metrics on the app port must answer 404 (counted only as
 * `__unmatched__`), and the metrics port must serve the five metrics.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IService } from "kubernetes-models/v1/Service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { claimScoring, claimsApiOf } from "../e2e/support/claims-api.js";
import { assertDistBuilt, startNode, stopAll } from "../e2e/support/processes.js";
import { containerEnv } from "./support/container-env.js";
import { helmTemplate } from "./support/helm.js";
import { PRODUCTION_SECRETS } from "./support/helm-secrets.js";
import { ingressBackends, scrapeTargets } from "./support/port-routing.js";
import { kustomize, kustomizeOverlay } from "./support/kustomize.js";
import { findOne, type KubeObject } from "./support/manifests.js";
import { monitoringOverlayDir } from "./support/paths.js";

/** An overlay and its monitoring kustomization (the ServiceMonitor), as deploy.sh applies both. */
async function withMonitoring(env: "staging" | "production"): Promise<KubeObject[]> {
  const [app, monitoring] = await Promise.all([
    kustomizeOverlay(env),
    kustomize(monitoringOverlayDir(env)),
  ]);
  return [...app, ...monitoring];
}

const RENDERS: Record<string, () => Promise<KubeObject[]>> = {
  "helm (default values)": () => helmTemplate(),
  "helm (production values)": () =>
    helmTemplate({ release: "crisislen-api", valuesFiles: ["values-production.yaml"] }),
  "kustomize overlays/staging": () => withMonitoring("staging"),
  "kustomize overlays/production": () => withMonitoring("production"),
};
const SETS = Object.keys(RENDERS);
/**
 * The apps start with the production sets' environments: the listener variables (below) are the
 * same in every set, and nothing else changes where /metrics is served.
 */
const APP_SETS = ["helm (production values)", "kustomize overlays/production"];
const FIVE_METRICS = {
  http_requests_total: "counter",
  http_request_duration_seconds: "histogram",
  crisislen_items_processed_total: "counter",
  crisislen_workflows_active: "gauge",
  crisislen_risk_score: "histogram",
};

interface Rendered {
  objects: KubeObject[];
  /** The app's Deployment; its name is the release's ("crisislen" or "crisislen-api"). */
  deployment: IDeployment;
  env: Record<string, string>;
}
const rendered = new Map<string, Rendered>();
let receiver: OtlpReceiver;

beforeAll(async () => {
  assertDistBuilt();
  receiver = await startOtlpReceiver();
  for (const [label, render] of Object.entries(RENDERS)) {
    const objects = await render();
    const deployment = findOne<IDeployment>(objects, "Deployment");
    const env = containerEnv(objects, deployment, { externalSecrets: PRODUCTION_SECRETS });
    rendered.set(label, { objects, deployment, env });
  }
});
afterAll(async () => {
  await stopAll();
  await receiver?.close();
});

describe("the rendered container environment", () => {
  it.each(SETS)(
    "%s: listens on every interface, on the container ports, metrics off the app port",
    (label) => {
      const { deployment, env } = rendered.get(label)!;
      const container = deployment.spec?.template.spec?.containers[0];
      const ports = Object.fromEntries(
        (container?.ports ?? []).map((p) => [p.name, p.containerPort]),
      );
      expect(ports).toEqual({ http: 3000, metrics: 9464 });
      expect({
        HOST: env.HOST,
        PORT: env.PORT,
        METRICS_HOST: env.METRICS_HOST,
        METRICS_PORT: env.METRICS_PORT,
        METRICS_ON_APP_PORT: env.METRICS_ON_APP_PORT,
      }).toEqual({
        HOST: "0.0.0.0",
        PORT: "3000",
        METRICS_HOST: "0.0.0.0",
        METRICS_PORT: "9464",
        METRICS_ON_APP_PORT: "false",
      });
    },
  );

  it("computes the env as the kubelet does: $(VAR) references expand (self-check)", () => {
    const { env } = rendered.get("kustomize overlays/production")!;
    expect(env.DATABASE_URL).toBe(
      "postgresql://crisislen:CHANGE_ME@crisislen-postgresql:5432/crisislen",
    );
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe(
      "deployment.environment.name=production,k8s.namespace.name=crisislen," +
        "k8s.pod.name=crisislen-api-5d9f7c6b8-x2x4q,k8s.pod.uid=0c7a1e2d-4f5b-4c3a-9e8d-1b2c3d4e5f60," +
        "k8s.node.name=node-a",
    );
  });

  it("would catch an Ingress or a Service that sends traffic to the metrics port (self-check)", () => {
    const { objects } = rendered.get("kustomize overlays/production")!;
    const toMetricsPort = structuredClone(objects);
    const ingress = findOne<IIngress>(toMetricsPort, "Ingress", "crisislen-api");
    ingress.spec!.rules![0]!.http!.paths[0]!.backend.service!.port = { name: "metrics" };
    expect(
      ingressBackends(toMetricsPort)
        .map((b) => b.containerPort)
        .sort(),
    ).toEqual([3000, 9464]);
    const retargeted = structuredClone(objects);
    findOne<IService>(retargeted, "Service").spec!.ports![0]!.targetPort = "metrics";
    expect(ingressBackends(retargeted).map((b) => b.containerPort)).toEqual([9464, 9464]);
  });

  it.each(SETS)(
    "%s: every Ingress backend is the app Service port, never the metrics port",
    (label) => {
      const { objects, deployment, env } = rendered.get(label)!;
      const app = deployment.metadata?.name ?? "";
      const backends = ingressBackends(objects);
      const host = findOne<IIngress>(objects, "Ingress", app).spec?.rules?.[0]?.host;
      expect(backends.map((b) => b.where).sort()).toEqual([
        `${app} ${host}/`,
        `${app}-blocked-paths ${host}/metrics(/|$)`,
      ]);
      for (const backend of backends) {
        expect(backend, backend.where).toMatchObject({
          service: app,
          servicePort: "http",
          containerPort: Number(env.PORT),
        });
        expect(backend.containerPort, backend.where).not.toBe(Number(env.METRICS_PORT));
      }
    },
  );
});

describe("the rendered ServiceMonitor", () => {
  it.each(SETS)("%s: scrapes the Service port that reaches METRICS_PORT", (label) => {
    const { objects, deployment, env } = rendered.get(label)!;
    expect(scrapeTargets(objects)).toEqual([
      {
        where: expect.stringMatching(/ metrics$/),
        service: deployment.metadata?.name,
        servicePort: "metrics",
        containerPort: Number(env.METRICS_PORT),
      },
    ]);
  });
});

/** `http_requests_total` samples of an exposition, without the HELP/TYPE lines, sorted. */
const requestSeries = (exposition: string) =>
  exposition
    .split("\n")
    .filter((line) => line.startsWith("http_requests_total{"))
    .sort();

// Concurrent: each app honours the rendered 5 s drain delay on SIGTERM.
describe.each([["fastify-claims"], ["express-claims"]])("examples/%s", (example) => {
  it.concurrent.for(APP_SETS)(
    "with the env of %s: /metrics answers 404 on the app port and 200 on the metrics port",
    { timeout: 60_000 },
    async (label, { expect }) => {
      const env = {
        ...rendered.get(label)!.env,
        HOST: "127.0.0.1",
        PORT: "0",
        METRICS_HOST: "127.0.0.1",
        METRICS_PORT: "0",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      };
      const app = startNode(`examples/${example}/server.mjs`, [], env);
      const api = await claimsApiOf(app, 30_000);

      for (const path of ["/metrics", "/METRICS", "/metrics/"]) {
        const answer = await fetch(`${api.url}${path}`, { signal: AbortSignal.timeout(5_000) });
        expect(answer.status, `${path}: ${await answer.text()}`).toBe(404);
      }
      // One claim through the workflow, so each of the five metrics has a sample.
      expect((await api.call("POST", "/claims", claimScoring(0.42, 2))).status).toBe(201);
      expect((await api.call("POST", "/claims/1/process")).status).toBe(200);

      const scrape = await fetch(api.metricsUrl, { signal: AbortSignal.timeout(5_000) });
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const exposition = await scrape.text();
      for (const [name, type] of Object.entries(FIVE_METRICS))
        expect(exposition, name).toMatch(new RegExp(`^# TYPE ${name} ${type}$`, "m"));
      // The refused requests are counted only as unmatched paths, never as a /metrics route.
      expect(requestSeries(exposition)).toEqual([
        'http_requests_total{method="GET",endpoint="__unmatched__",status="404"} 3',
        'http_requests_total{method="POST",endpoint="/claims",status="201"} 1',
        'http_requests_total{method="POST",endpoint="/claims/:id/process",status="200"} 1',
      ]);
      expect(exposition).toMatch(
        /^http_request_duration_seconds_count\{method="POST",endpoint="\/claims\/:id\/process"\} 1$/m,
      );
      expect(exposition).toMatch(/^crisislen_items_processed_total 2$/m);
      expect(exposition).toMatch(/^crisislen_workflows_active 0$/m);
      expect(exposition).toMatch(/^crisislen_risk_score_sum 0\.42$/m);
      // The banner points at the metrics port only.
      expect(app.output).not.toContain(`${api.url}/metrics`);
      expect(await app.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    },
  );
});
