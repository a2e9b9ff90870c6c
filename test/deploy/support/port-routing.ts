/**
 * Where traffic sent to a Service port of a rendered set lands: Service port (by name or number)
 * → its targetPort → the container port of the one Deployment the Service selects. Used for the
 * Ingress backends (what the public reaches) and the ServiceMonitor endpoints (what Prometheus
 * scrapes). Every hop must exist in the same set, or resolving throws naming what is missing.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IIoK8sApiNetworkingV1IngressBackend as IngressBackend } from "kubernetes-models/networking.k8s.io/v1/IngressBackend";
import type { IService } from "kubernetes-models/v1/Service";
import type { KubeObject } from "./manifests.js";

export interface ResolvedPort {
  /** `<ingress> <host><path>`, `<ingress> (default backend)` or `<servicemonitor> <port>`. */
  where: string;
  service: string;
  /** The Service port's name (or number when unnamed). */
  servicePort: string;
  /** The container port the traffic reaches. */
  containerPort: number;
}

function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

function toContainerPort(
  objects: KubeObject[],
  where: string,
  service: IService,
  ref: { name?: string; number?: number },
): ResolvedPort {
  const name = service.metadata?.name ?? "?";
  const port = service.spec?.ports?.find((p) =>
    ref.name !== undefined ? p.name === ref.name : p.port === ref.number,
  );
  if (!port) throw new Error(`${where}: Service ${name} has no port ${JSON.stringify(ref)}`);
  const pods = objects.filter(
    (o) =>
      o.kind === "Deployment" &&
      selects(
        service.spec?.selector ?? {},
        (o as IDeployment).spec?.template.metadata?.labels ?? {},
      ),
  ) as IDeployment[];
  if (pods.length !== 1)
    throw new Error(`${where}: Service ${name} selects ${pods.length} Deployments`);
  const target = port.targetPort ?? port.port;
  const containerPorts = (pods[0]!.spec?.template.spec?.containers ?? []).flatMap(
    (c) => c.ports ?? [],
  );
  const containerPort =
    typeof target === "number"
      ? target
      : containerPorts.find((p) => p.name === target)?.containerPort;
  if (containerPort === undefined)
    throw new Error(`${where}: no container port named ${String(target)}`);
  return { where, service: name, servicePort: port.name ?? String(port.port), containerPort };
}

function backendPort(objects: KubeObject[], where: string, backend: IngressBackend) {
  const ref = backend.service;
  if (!ref) throw new Error(`${where}: not a Service backend`);
  const service = objects.find((o) => o.kind === "Service" && o.metadata.name === ref.name);
  if (!service) throw new Error(`${where}: Service ${ref.name} is not in the set`);
  return toContainerPort(objects, where, service as IService, ref.port ?? {});
}

/** Every backend of every Ingress in the set, resolved to the container port it reaches. */
export function ingressBackends(objects: KubeObject[]): ResolvedPort[] {
  const resolved: ResolvedPort[] = [];
  for (const ingress of objects.filter((o) => o.kind === "Ingress") as IIngress[]) {
    const name = ingress.metadata?.name ?? "?";
    if (ingress.spec?.defaultBackend)
      resolved.push(backendPort(objects, `${name} (default backend)`, ingress.spec.defaultBackend));
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const where = `${name} ${rule.host ?? "*"}${path.path ?? ""}`;
        resolved.push(backendPort(objects, where, path.backend));
      }
    }
  }
  return resolved;
}

interface ServiceMonitor {
  metadata: { name: string };
  spec: { selector: { matchLabels?: Record<string, string> }; endpoints: { port?: string }[] };
}

/** Every endpoint of every ServiceMonitor, resolved through the Services it selects. */
export function scrapeTargets(objects: KubeObject[]): ResolvedPort[] {
  const monitors = objects.filter(
    (o) => o.kind === "ServiceMonitor",
  ) as unknown as ServiceMonitor[];
  return monitors.flatMap((monitor) => {
    const services = objects.filter(
      (o) =>
        o.kind === "Service" && selects(monitor.spec.selector.matchLabels ?? {}, o.metadata.labels),
    ) as IService[];
    if (services.length === 0) throw new Error(`${monitor.metadata.name} selects no Service`);
    return services.flatMap((service) =>
      monitor.spec.endpoints.map((endpoint) =>
        toContainerPort(
          objects,
          `${monitor.metadata.name} ${endpoint.port}`,
          service,
          endpoint.port === undefined ? {} : { name: endpoint.port },
        ),
      ),
    );
  });
}
