/**
 * The app against the real upstream charts it depends on (../shared/charts, see support/upstream.ts):
 * the crisislen chart with the real postgresql and redis subcharts, the bitnami charts as deploy.sh
 * installs them for the kustomize path, and the Jaeger chart deploy.sh installs. Every host, port,
 * Secret and label our objects point at must exist in what those charts render. Each chart is rendered
 * once, in beforeAll. Skipped, with the reason, where the packages are absent (a fresh clone).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  containerPorts,
  labelsMatch,
  mountedSecrets,
  podsSelectedBy,
  readableSecretKeys,
  serviceBackends,
  serviceOfUrl,
  servicePort,
} from "./support/cross-reference.js";
import { containerEnv } from "./support/container-env.js";
import { helmLint, helmTemplateRaw } from "./support/helm.js";
import { PRODUCTION_SECRETS } from "./support/helm-secrets.js";
import { kustomizeOverlay } from "./support/kustomize.js";
import { findOne, parseManifests, type KubeObject } from "./support/manifests.js";
import { chartDir, deployDir } from "./support/paths.js";
import { renderUpstream, type Rendered } from "./support/upstream-render.js";
import {
  availableVersions,
  pinnedVersion,
  UPSTREAM_CHARTS,
  upstreamMissing,
} from "./support/upstream.js";

const missing = upstreamMissing();
const PRODUCTION = ["values-production.yaml"];
const databasesDir = path.join(deployDir, "k8s/databases");

interface AppRender extends Rendered {
  label: string;
  release: string;
}

let lints: { label: string; stdout: string; stderr: string }[];
let apps: AppRender[];
let overlay: KubeObject[];
let jaeger: Rendered;
let postgresql: Rendered;
let redis: Rendered;

async function renderApp(
  label: string,
  release: string,
  valuesFiles: string[],
): Promise<AppRender> {
  const result = await helmTemplateRaw({ release, valuesFiles, subcharts: "real" });
  if (result.code !== 0) throw new Error(`helm template (${label}) failed:\n${result.stderr}`);
  return { label, release, objects: parseManifests(result.stdout), stderr: result.stderr };
}

const appDeployment = (objects: KubeObject[]) =>
  objects.find(
    (o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/component"] === "api",
  ) as IDeployment;

const appPolicy = (objects: KubeObject[], deployment: IDeployment) =>
  objects.find(
    (o) => o.kind === "NetworkPolicy" && o.metadata.name === deployment.metadata?.name,
  ) as INetworkPolicy;

const title = "the app against the real upstream charts";
describe.skipIf(missing !== undefined)(missing ? `${title} (skipped: ${missing})` : title, () => {
  beforeAll(async () => {
    const lint = async (label: string, files: string[]) => ({
      label,
      ...(await helmLint(files, { subcharts: "real" })),
    });
    [lints, apps, overlay, jaeger, postgresql, redis] = await Promise.all([
      Promise.all([lint("default values", []), lint("production values", PRODUCTION)]),
      Promise.all([
        // A release name without "crisislen" in it exercises the "<release>-<chart>" names.
        renderApp("default values, release claims", "claims", []),
        renderApp("production values, release crisislen-api", "crisislen-api", PRODUCTION),
        renderApp("default values, release crisislen-api", "crisislen-api", []),
        renderApp("production values, release claims", "claims", PRODUCTION),
      ]),
      kustomizeOverlay("production"),
      renderUpstream("jaeger", "jaeger", "monitoring", [
        path.join(deployDir, "monitoring/jaeger-values.yaml"),
      ]),
      renderUpstream("postgresql", "crisislen-postgresql", "crisislen", [
        path.join(databasesDir, "postgresql-values.yaml"),
      ]),
      renderUpstream("redis", "crisislen-redis", "crisislen", [
        path.join(databasesDir, "redis-values.yaml"),
      ]),
    ]);
  }, 120_000);

  // Finding #2 (deploy.sh pinned jaeger 4.0.0, whose Services are jaeger-collector/jaeger-query).
  it("pins deploy.sh and Chart.yaml to the chart versions rendered here", () => {
    for (const chart of UPSTREAM_CHARTS) {
      expect(
        availableVersions(chart),
        `${chart}: deploy.sh pins ${pinnedVersion(chart)}`,
      ).toContain(pinnedVersion(chart));
    }
    const chartYaml = parse(readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")) as {
      dependencies: { name: string; version: string }[];
    };
    expect(chartYaml.dependencies.map((d) => [d.name, d.version])).toEqual([
      ["postgresql", pinnedVersion("postgresql")],
      ["redis", pinnedVersion("redis")],
    ]);
  });

  // Finding #11 (helm: "cannot overwrite table with non table for redis.metrics.podAnnotations").
  it("lints --strict and renders with the real subcharts, default and production values, without a warning", () => {
    for (const lint of lints) {
      expect(lint.stdout, lint.label).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(lint.stderr, lint.label).toBe("");
    }
    const renders: [string, Rendered][] = [
      ...apps.map((app) => [app.label, app] as [string, Rendered]),
      ["jaeger", jaeger],
      ["postgresql", postgresql],
      ["redis", redis],
    ];
    for (const [label, render] of renders) expect(render.stderr, label).toBe("");
  });

  // Finding #3: the example secrets named crisislen-postgresql / crisislen-redis-master, which a
  // release named crisislen-api does not create.
  it("builds DATABASE_URL and REDIS_URL from Services the subcharts render for the release", () => {
    for (const { label, objects } of apps) {
      const env = appDeployment(objects).spec?.template.spec?.containers[0]?.env ?? [];
      const value = (name: string) => env.find((e) => e.name === name)?.value ?? "";
      for (const [variable, backendPort] of [
        ["DATABASE_URL", 5432],
        ["REDIS_URL", 6379],
      ] as const) {
        const target = serviceOfUrl(value(variable).replace(/\$\(\w+\)/, "password"), "");
        servicePort(objects, target.service, target.port);
        const backends = serviceBackends(objects, target.service);
        expect(backends.length, `${label}: pods behind ${target.service}`).toBe(1);
        expect(containerPorts(backends[0]!), label).toContain(backendPort);
      }
      expect(value("DATABASE_URL"), label).toMatch(
        /^postgresql:\/\/crisislen:\$\(POSTGRES_PASSWORD\)@/,
      );
      expect(value("REDIS_URL"), label).toMatch(/^redis:\/\/:\$\(REDIS_PASSWORD\)@/);
    }
    // As the kubelet builds them: the passwords come from the databases' Secrets (rendered from the
    // placeholders with default values, created beforehand with production values).
    const urls = apps.map(({ objects }) => {
      const env = containerEnv(objects, appDeployment(objects), {
        externalSecrets: PRODUCTION_SECRETS,
      });
      return [env.DATABASE_URL, env.REDIS_URL];
    });
    expect(urls).toEqual([
      [
        "postgresql://crisislen:CHANGE_ME@claims-postgresql:5432/crisislen",
        "redis://:CHANGE_ME@claims-redis-master:6379/0",
      ],
      [
        "postgresql://crisislen:pg-0123456789@crisislen-api-postgresql:5432/crisislen",
        "redis://:redis-0123456789@crisislen-api-redis-master:6379/0",
      ],
      [
        "postgresql://crisislen:CHANGE_ME@crisislen-api-postgresql:5432/crisislen",
        "redis://:CHANGE_ME@crisislen-api-redis-master:6379/0",
      ],
      [
        "postgresql://crisislen:pg-0123456789@claims-postgresql:5432/crisislen",
        "redis://:redis-0123456789@claims-redis-master:6379/0",
      ],
    ]);
  });

  // The chart kept one Secret (SECRET_KEY and both passwords), and PostgreSQL mounts its Secret
  // whole (password files): the database pods could read the app's SECRET_KEY.
  it("Helm path: each database's pods read only their own password, from a Secret without the app's keys", () => {
    // label → the app's Secret, PostgreSQL's, Redis'
    const expected: Record<string, [string, string, string]> = {
      "default values, release claims": [
        "claims-secrets",
        "claims-postgresql-password",
        "claims-redis-password",
      ],
      "production values, release crisislen-api": [
        "crisislen-api-secrets",
        "crisislen-api-postgresql-password",
        "crisislen-api-redis-password",
      ],
      "default values, release crisislen-api": [
        "crisislen-api-secrets",
        "crisislen-api-postgresql-password",
        "crisislen-api-redis-password",
      ],
      "production values, release claims": [
        "crisislen-api-secrets",
        "crisislen-api-postgresql-password",
        "crisislen-api-redis-password",
      ],
    };
    for (const { label, objects } of apps) {
      const [appSecret, postgresSecret, redisSecret] = expected[label]!;
      const keysOf = (name: string) => {
        const rendered = objects.find((o) => o.kind === "Secret" && o.metadata.name === name) as
          ISecret | undefined;
        if (rendered) return Object.keys({ ...rendered.data, ...rendered.stringData }).sort();
        const external = PRODUCTION_SECRETS[name];
        if (!external) throw new Error(`${label}: Secret ${name} is neither rendered nor created`);
        return Object.keys(external);
      };
      const readable = (chart: string) =>
        objects
          .filter(
            (o) =>
              o.kind === "StatefulSet" && o.metadata.labels?.["app.kubernetes.io/name"] === chart,
          )
          .map((o) => readableSecretKeys(o as never, keysOf));
      expect(readable("postgresql"), label).toEqual([[`${postgresSecret}/POSTGRES_PASSWORD`]]);
      expect(readable("redis"), label).toEqual([[`${redisSecret}/REDIS_PASSWORD`]]);
      // The app reads its own Secret whole and each password by key, from the databases' Secrets.
      const app = appDeployment(objects);
      expect(readableSecretKeys(app as never, keysOf), label).toEqual(
        [
          `${appSecret}/SECRET_KEY`,
          `${postgresSecret}/POSTGRES_PASSWORD`,
          `${redisSecret}/REDIS_PASSWORD`,
        ].sort(),
      );
      // No other workload of the release reads the app's Secret.
      const others = objects.filter(
        (o) =>
          ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"].includes(o.kind) &&
          o !== (app as unknown),
      );
      expect(others.length, label).toBeGreaterThanOrEqual(2);
      for (const other of others) {
        const keys =
          other.kind === "Pod"
            ? readableSecretKeys({ spec: { template: other } } as never, keysOf)
            : readableSecretKeys(other as never, keysOf);
        expect(
          keys.filter((k) => k.startsWith(`${appSecret}/`)),
          `${label} ${other.kind} ${other.metadata.name}`,
        ).toEqual([]);
      }
      // The Secrets the chart renders (default values) hold exactly those keys; production renders none.
      const renderedSecrets = Object.fromEntries(
        objects
          .filter((o) => o.kind === "Secret")
          .map((o) => [o.metadata.name, keysOf(o.metadata.name)]),
      );
      expect(renderedSecrets, label).toEqual(
        label.startsWith("default")
          ? {
              [appSecret]: ["SECRET_KEY"],
              [postgresSecret]: ["POSTGRES_PASSWORD"],
              [redisSecret]: ["REDIS_PASSWORD"],
            }
          : {},
      );
    }
  });

  it("opens egress exactly to the database pods and ports the subcharts render", () => {
    for (const { label, objects } of apps) {
      const policy = appPolicy(objects, appDeployment(objects));
      for (const chart of ["postgresql", "redis"]) {
        const rule = policy.spec?.egress?.find(
          (r) => r.to?.[0]?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === chart,
        );
        const pods = podsSelectedBy(objects, rule?.to?.[0]?.podSelector?.matchLabels ?? {});
        expect(
          pods.map((p) => p.kind),
          `${label} ${chart}`,
        ).toEqual(["StatefulSet"]);
        expect(containerPorts(pods[0]!), `${label} ${chart}`).toContain(rule?.ports?.[0]?.port);
      }
    }
  });

  it("kustomize path: the overlay's URLs, Secret and egress rules match the releases deploy.sh installs", () => {
    const deployment = findOne<IDeployment>(overlay, "Deployment");
    const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    const policy = findOne<INetworkPolicy>(overlay, "NetworkPolicy");
    const passwords = findOne<ISecret>(overlay, "Secret", "crisislen-db-passwords");
    for (const [variable, release, chart] of [
      ["DATABASE_URL", postgresql, "postgresql"],
      ["REDIS_URL", redis, "redis"],
    ] as const) {
      const url =
        env.find((e) => e.name === variable)?.value?.replace(/\$\(\w+\)/, "password") ?? "";
      const target = serviceOfUrl(url, "crisislen");
      servicePort(release.objects, target.service, target.port);
      const [database] = serviceBackends(release.objects, target.service);
      expect(database?.kind, variable).toBe("StatefulSet");
      expect(mountedSecrets(database!), variable).toEqual([passwords.metadata?.name]);
      const rule = policy.spec?.egress?.find(
        (r) => r.to?.[0]?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === chart,
      );
      expect(
        labelsMatch(
          rule?.to?.[0]?.podSelector?.matchLabels ?? { none: "" },
          database!.spec.template.metadata.labels ?? {},
        ),
        variable,
      ).toBe(true);
      expect(containerPorts(database!), variable).toContain(rule?.ports?.[0]?.port);
    }
    expect(Object.keys(passwords.data ?? {}).sort()).toEqual([
      "POSTGRES_PASSWORD",
      "REDIS_PASSWORD",
    ]);
  });

  // The overlays generated the database Secret from the whole secrets.env: postgresql mounts its
  // Secret whole (password files), so the database pods could read SECRET_KEY.
  it("kustomize path: the database pods can read their passwords and no app secret", () => {
    const keysOf = (name: string) =>
      Object.keys(findOne<ISecret>(overlay, "Secret", name).data ?? {});
    const readable = (release: Rendered) =>
      release.objects
        .filter((o) => o.kind === "StatefulSet")
        .map((o) =>
          readableSecretKeys(o as unknown as Parameters<typeof mountedSecrets>[0], keysOf),
        );
    expect(readable(postgresql)).toEqual([
      ["crisislen-db-passwords/POSTGRES_PASSWORD", "crisislen-db-passwords/REDIS_PASSWORD"],
    ]);
    expect(readable(redis)).toEqual([["crisislen-db-passwords/REDIS_PASSWORD"]]);
  });

  // Finding #2: the OTLP endpoint named a Service the pinned chart did not render.
  it("sends traces to the Service and port the real Jaeger chart renders, and lets them through", () => {
    const overlayConfig = overlay.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("crisislen-api-config-"),
    ) as IConfigMap;
    const sets: [string, KubeObject[], string | undefined][] = [
      ...apps.map(
        (a) =>
          [
            a.label,
            a.objects,
            (
              a.objects.find(
                (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config"),
              ) as IConfigMap
            ).data?.OTEL_EXPORTER_OTLP_ENDPOINT,
          ] as [string, KubeObject[], string | undefined],
      ),
      ["kustomize overlays/production", overlay, overlayConfig.data?.OTEL_EXPORTER_OTLP_ENDPOINT],
    ];
    for (const [label, objects, endpoint] of sets) {
      expect(endpoint, label).toBe("http://jaeger.monitoring.svc.cluster.local:4318");
      const target = serviceOfUrl(endpoint!, "");
      expect(target.namespace, label).toBe("monitoring");
      const port = servicePort(jaeger.objects, target.service, target.port);
      expect(port.name, label).toBe("otlp-http");
      const [collector] = serviceBackends(jaeger.objects, target.service);
      expect(containerPorts(collector!), label).toContain(port.targetPort);
      const policy = appPolicy(objects, appDeployment(objects));
      const rule = policy.spec?.egress?.find(
        (r) =>
          r.to?.[0]?.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] ===
          target.namespace,
      );
      expect(
        labelsMatch(
          rule?.to?.[0]?.podSelector?.matchLabels ?? { none: "" },
          collector!.spec.template.metadata.labels ?? {},
        ),
        `${label}: egress pod selector`,
      ).toBe(true);
      expect(
        rule?.ports?.map((p) => p.port),
        label,
      ).toEqual([port.targetPort]);
    }
  });
});
