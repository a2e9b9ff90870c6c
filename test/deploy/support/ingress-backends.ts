/**
 * Where each backend of the rendered Ingress objects lands: Ingress backend → Service port (by
 * name or number) → its targetPort → the container port of the pods the Service selects. Every
 * hop must exist in the same rendered set, or resolving it throws with what is missing.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIngress, IIngressBackend } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IService } from "kubernetes-models/v1/Service";
import type { KubeObject } from "./manifests.js";

export interface ResolvedBackend {
  /** `<ingress> <host><path>`, or `<ingress> (default backend)`. */
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

function resolve(objects: KubeObject[], where: string, backend: IIngressBackend): ResolvedBackend {
  const ref = backend.service;
  if (!ref) throw new Error(`${where}: not a Service backend`);
  const service = objects.find((o) => o.kind === "Service" && o.metadata.name === ref.name) as
    IService | undefined;
  if (!service) throw new Error(`${where}: Service ${ref.name} is not in the set`);
  const port = service.spec?.ports?.find((p) =>
    ref.port?.name !== undefined ? p.name === ref.port.name : p.port === ref.port?.number,
  );
  if (!port)
    throw new Error(`${where}: Service ${ref.name} has no port ${JSON.stringify(ref.port)}`);
  const pods = objects.filter(
    (o) =>
      o.kind === "Deployment" &&
      selects(
        service.spec?.selector ?? {},
        (o as IDeployment).spec?.template.metadata?.labels ?? {},
      ),
  ) as IDeployment[];
  if (pods.length !== 1)
    throw new Error(`${where}: Service ${ref.name} selects ${pods.length} Deployments`);
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
  return {
    where,
    service: ref.name,
    servicePort: port.name ?? String(port.port),
    containerPort,
  };
}

/** Every backend of every Ingress in the set, resolved to the container port it reaches. */
export function ingressBackends(objects: KubeObject[]): ResolvedBackend[] {
  const resolved: ResolvedBackend[] = [];
  for (const ingress of objects.filter((o) => o.kind === "Ingress") as IIngress[]) {
    const name = ingress.metadata?.name ?? "?";
    if (ingress.spec?.defaultBackend)
      resolved.push(resolve(objects, `${name} (default backend)`, ingress.spec.defaultBackend));
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        resolved.push(
          resolve(objects, `${name} ${rule.host ?? "*"}${path.path ?? ""}`, path.backend),
        );
      }
    }
  }
  return resolved;
}
