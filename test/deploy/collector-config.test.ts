/**
 * The collector configurations the chart renders from deploy/monitoring/otel-collector/, checked
 * the way `otelcol` checks them at start-up (no collector binary runs here): every component a
 * pipeline names is defined, every defined one is used, every component type exists in the image
 * the values pin. The checker itself is tested on broken configs first, so a pass means something.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  collectorConfig,
  collectorWorkload,
  componentType,
  configProblems,
  type CollectorConfig,
} from "./support/collector-config.js";
import { monitoringDir } from "./support/paths.js";
import { renderUpstream } from "./support/upstream-render.js";
import { upstreamMissing, upstreamTitle } from "./support/upstream.js";

/**
 * Component types of otel/opentelemetry-collector-k8s that this tier uses, from the distribution's
 * manifest (open-telemetry/opentelemetry-collector-releases, distributions/otelcol-k8s/manifest.yaml):
 * otlpreceiver, memorylimiter/batch/k8sattributes/tailsampling processors, loadbalancing and otlp
 * exporters, healthcheck extension. Names as collector 0.158 (the chart's appVersion) spells them:
 * `k8s_attributes` (renamed from k8sattributes; the chart rewrites it) and `otlp_grpc` (renamed
 * from otlp in 0.144, the old name a deprecated alias).
 */
const K8S_DISTRIBUTION_TYPES = {
  receivers: ["otlp"],
  processors: ["memory_limiter", "batch", "k8s_attributes", "tail_sampling"],
  exporters: ["loadbalancing", "otlp_grpc"],
  extensions: ["health_check"],
} as const;

const sound: CollectorConfig = {
  receivers: { otlp: {} },
  processors: { batch: {} },
  exporters: { "otlp_grpc/jaeger": {} },
  extensions: { health_check: {} },
  service: {
    extensions: ["health_check"],
    pipelines: {
      traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["otlp_grpc/jaeger"] },
    },
  },
};

describe("configProblems (the checker itself)", () => {
  it("finds nothing in a sound config", () => {
    expect(configProblems(sound)).toEqual([]);
  });

  it("reports an undefined component, an unused one, a pipeline without exporter and an undefined extension", () => {
    const broken: CollectorConfig = {
      ...sound,
      processors: { batch: {}, tail_sampling: {} },
      service: {
        extensions: ["health_check", "pprof"],
        pipelines: {
          traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["otlp_grpc"] },
          "logs/x": { receivers: ["otlp"], exporters: [] },
        },
      },
    };
    expect(configProblems(broken)).toEqual([
      "pipeline traces: exporters otlp_grpc is not defined",
      "pipeline logs/x: no exporter",
      "processors tail_sampling is defined but no pipeline uses it",
      "exporters otlp_grpc/jaeger is defined but no pipeline uses it",
      "service extension pprof is not defined",
    ]);
  });
});

describe.skipIf(upstreamMissing() !== undefined)(
  upstreamTitle("collector configs rendered by opentelemetry-collector 0.170.0"),
  () => {
    const configs: Record<string, CollectorConfig> = {};

    beforeAll(async () => {
      const [{ objects: agent }, { objects: gateway }] = await Promise.all([
        renderUpstream("opentelemetry-collector", "otel-agent", "monitoring", [
          path.join(monitoringDir, "otel-collector/agent-values.yaml"),
        ]),
        renderUpstream("opentelemetry-collector", "otel-gateway", "monitoring", [
          path.join(monitoringDir, "otel-collector/gateway-values.yaml"),
        ]),
      ]);
      configs.agent = collectorConfig(agent, collectorWorkload(agent, "DaemonSet"));
      configs.gateway = collectorConfig(gateway, collectorWorkload(gateway, "Deployment"));
    }, 60_000);

    for (const name of ["agent", "gateway"]) {
      it(`${name}: every pipeline's receivers, processors and exporters are defined and used; one traces pipeline`, () => {
        const config = configs[name]!;
        expect(configProblems(config)).toEqual([]);
        expect(Object.keys(config.service.pipelines)).toEqual(["traces"]);
        expect(config.service.extensions).toEqual(["health_check"]);
      });

      it(`${name}: every component type exists in the otel/opentelemetry-collector-k8s image`, () => {
        const config = configs[name]!;
        for (const kind of ["receivers", "processors", "exporters", "extensions"] as const) {
          for (const id of Object.keys(config[kind] ?? {})) {
            expect(K8S_DISTRIBUTION_TYPES[kind], `${name} ${kind} ${id}`).toContain(
              componentType(id),
            );
          }
        }
      });

      it(`${name}: memory_limiter runs first, before anything buffers`, () => {
        expect(configs[name]!.service.pipelines.traces?.processors?.[0]).toBe("memory_limiter");
      });
    }

    it("gateway: tail_sampling before batch, with the three policies (errors, slow, probabilistic rest)", () => {
      const gateway = configs.gateway!;
      expect(gateway.service.pipelines.traces?.processors).toEqual([
        "memory_limiter",
        "tail_sampling",
        "batch",
      ]);
      const tail = gateway.processors?.tail_sampling as {
        decision_wait: string;
        policies: { name: string; type: string }[];
      };
      expect(tail.policies.map((p) => `${p.name}:${p.type}`)).toEqual([
        "keep-errors:status_code",
        "keep-slow:latency",
        "sample-the-rest:probabilistic",
      ]);
      expect(tail.decision_wait).toBe("10s");
    });

    it("agent: no tail sampling (it sees only its node's share of each trace)", () => {
      expect(Object.keys(configs.agent!.processors ?? {})).not.toContain("tail_sampling");
    });
  },
);
