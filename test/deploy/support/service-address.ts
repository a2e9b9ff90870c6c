/**
 * Resolves an in-cluster address (`http://name.namespace.svc.cluster.local:port`, or `host:port`)
 * against rendered objects, the way cluster DNS and kube-proxy would: the Service of that name in
 * that namespace, its port, the workload whose pods it selects, and the container port the
 * traffic lands on. Every step that would fail in a cluster throws here, naming what is missing.
 */
import { podsSelectedBy, type ServicePort } from "./cross-reference.js";
import type { KubeObject } from "./manifests.js";

export interface Service extends KubeObject {
  spec: {
    clusterIP?: string;
    internalTrafficPolicy?: string;
    selector?: Record<string, string>;
    ports: ServicePort[];
  };
}

export interface Resolved {
  service: Service;
  servicePort: ServicePort;
  workload: KubeObject;
  containerPort: number;
}

/** Host and port of `scheme://host:port[/path]` or `host:port`. */
export function hostAndPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.includes("://") ? endpoint : `tcp://${endpoint}`);
  if (url.port === "") throw new Error(`no port in ${endpoint}`);
  return { host: url.hostname, port: Number(url.port) };
}

/** `name.namespace.svc.cluster.local` → name and namespace; anything else throws. */
export function serviceOfHost(host: string): { name: string; namespace: string } {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
  if (!match) throw new Error(`${host} is not a fully qualified Service name`);
  return { name: match[1]!, namespace: match[2]! };
}

/**
 * The Service, port, workload and container port that `endpoint` reaches in `objects`, which were
 * rendered into `renderNamespace` (helm template leaves most namespaces implicit).
 */
export function resolveAddress(
  objects: KubeObject[],
  endpoint: string,
  renderNamespace: string,
): Resolved {
  const { host, port } = hostAndPort(endpoint);
  const { name, namespace } = serviceOfHost(host);
  const service = objects.find(
    (o): o is Service =>
      o.kind === "Service" &&
      o.metadata.name === name &&
      (o.metadata.namespace ?? renderNamespace) === namespace,
  );
  if (!service) {
    const services = objects.filter((o) => o.kind === "Service").map((o) => o.metadata.name);
    throw new Error(
      `${endpoint}: no Service ${name} in namespace ${namespace} (rendered into ${renderNamespace}: ${services.join(", ")})`,
    );
  }
  const servicePort = service.spec.ports.find((p) => p.port === port);
  if (!servicePort) {
    throw new Error(
      `${endpoint}: Service ${name} has no port ${port} (${service.spec.ports.map((p) => p.port).join(", ")})`,
    );
  }
  const selector = service.spec.selector ?? {};
  const workloads = podsSelectedBy(objects, selector);
  if (workloads.length !== 1 || Object.keys(selector).length === 0) {
    throw new Error(
      `${endpoint}: Service ${name} selects ${workloads.length} workloads (${JSON.stringify(selector)})`,
    );
  }
  const workload = workloads[0]!;
  const target = servicePort.targetPort ?? servicePort.port;
  const containerPort = workload.spec.template.spec.containers
    .flatMap((c) => c.ports ?? [])
    .find((p) => (typeof target === "number" ? p.containerPort === target : p.name === target));
  if (!containerPort) {
    throw new Error(
      `${endpoint}: ${workload.kind} ${workload.metadata.name} has no container port ${String(target)}`,
    );
  }
  return { service, servicePort, workload, containerPort: containerPort.containerPort };
}
