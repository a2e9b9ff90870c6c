/**
 * Lookups across rendered object sets: "this URL names a Service port that exists", "this selector
 * matches those pods". Used to check our objects against what the upstream charts really render.
 */
import type { KubeObject } from "./manifests.js";

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

interface ServiceSpec {
  selector?: Record<string, string>;
  ports: ServicePort[];
}

interface PodContainer {
  ports?: { containerPort: number; name?: string }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string } }[];
}

interface PodTemplateOwner {
  spec: {
    template: {
      metadata: { labels?: Record<string, string> };
      spec: {
        containers: PodContainer[];
        initContainers?: PodContainer[];
        volumes?: {
          name: string;
          secret?: { secretName: string; items?: { key: string }[] };
          persistentVolumeClaim?: { claimName: string };
        }[];
      };
    };
  };
}

/** `a` ⊆ `b` for label maps (a selector against labels). */
export function labelsMatch(
  selector: Record<string, string>,
  labels: Record<string, string>,
): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Host and port of an in-cluster URL, with the Service and namespace its host names. */
export function serviceOfUrl(
  url: string,
  defaultNamespace: string,
): { service: string; namespace: string; port: number } {
  const { hostname, port } = new URL(url);
  const [service, namespace = defaultNamespace] = hostname.split(".");
  return { service: service!, namespace, port: Number(port) };
}

/** The port of Service `name` in `objects` with that port number; throws naming what exists. */
export function servicePort(objects: KubeObject[], name: string, port: number): ServicePort {
  const service = objects.find((o) => o.kind === "Service" && o.metadata.name === name);
  if (!service) {
    const names = objects.filter((o) => o.kind === "Service").map((o) => o.metadata.name);
    throw new Error(`no Service ${name}; rendered: ${names.join(", ")}`);
  }
  const found = (service.spec as ServiceSpec).ports.find((p) => p.port === port);
  if (!found)
    throw new Error(`Service ${name} has no port ${port}: ${JSON.stringify(service.spec)}`);
  return found;
}

/** The workloads (Deployment, StatefulSet, DaemonSet) whose pods a Service or a NetworkPolicy peer selects. */
export function podsSelectedBy(
  objects: KubeObject[],
  selector: Record<string, string>,
): (KubeObject & PodTemplateOwner)[] {
  return objects.filter(
    (o): o is KubeObject & PodTemplateOwner =>
      ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind) &&
      labelsMatch(selector, (o as unknown as PodTemplateOwner).spec.template.metadata.labels ?? {}),
  );
}

/** The workloads behind Service `name`: its selector's pods. */
export function serviceBackends(objects: KubeObject[], name: string) {
  const service = objects.find((o) => o.kind === "Service" && o.metadata.name === name);
  return podsSelectedBy(objects, (service?.spec as ServiceSpec | undefined)?.selector ?? {});
}

/** Every containerPort of a workload's pods. */
export function containerPorts(workload: PodTemplateOwner): number[] {
  return workload.spec.template.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((p) => p.containerPort),
  );
}

/** The Secrets a workload mounts as volumes. */
/**
 * The Secret keys a workload's pods can read, as `<secret>/<key>`, sorted: every key of a Secret
 * mounted as a volume (only its `items` when it lists some) or taken whole through `envFrom`, and
 * each `secretKeyRef`. `keysOf` gives a Secret's keys.
 */
export function readableSecretKeys(
  workload: PodTemplateOwner,
  keysOf: (secret: string) => string[],
): string[] {
  const pod = workload.spec.template.spec;
  const whole = (secret: string) => keysOf(secret).map((key) => `${secret}/${key}`);
  const keys = (pod.volumes ?? []).flatMap((v) => {
    if (!v.secret) return [];
    const { secretName, items } = v.secret;
    return items ? items.map((item) => `${secretName}/${item.key}`) : whole(secretName);
  });
  for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
    for (const source of container.envFrom ?? [])
      if (source.secretRef) keys.push(...whole(source.secretRef.name));
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) keys.push(`${ref.name}/${ref.key}`);
    }
  }
  return [...new Set(keys)].sort();
}

export function mountedSecrets(workload: PodTemplateOwner): string[] {
  return (workload.spec.template.spec.volumes ?? []).flatMap((v) => v.secret?.secretName ?? []);
}
