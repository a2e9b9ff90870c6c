/**
 * The resource every span carries. Built synchronously from known values (no asynchronous
 * detectors), so the first export never waits on pending resource attributes.
 * Precedence, lowest first: SDK defaults, `OTEL_RESOURCE_ATTRIBUTES`, the Kubernetes variables
 * of the Deployment, `OTEL_SERVICE_NAME`, then the options.
 */
import { hostname } from "node:os";
import type { Attributes } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ResolvedConfig } from "./config.js";
import { parseKeyValueList } from "./config.js";
import { loadSdk } from "./load.js";

type Env = Record<string, string | undefined>;

/**
 * Kubernetes resource attributes from the env the Deployment passes in (downward API). The pod
 * uid is what an OpenTelemetry Collector's k8s_attributes processor matches a span's pod by when
 * the connection's address is not the pod's (a proxy or NAT in between).
 */
const K8S_ENV: ReadonlyArray<[string, string]> = [
  ["K8S_POD_NAME", "k8s.pod.name"],
  ["K8S_POD_UID", "k8s.pod.uid"],
  ["K8S_NAMESPACE_NAME", "k8s.namespace.name"],
  ["K8S_NODE_NAME", "k8s.node.name"],
];

export function buildResource(config: ResolvedConfig, env: Env = process.env): Resource {
  const { resources } = loadSdk();
  const attributes: Attributes = {
    "process.pid": process.pid,
    "process.runtime.name": "nodejs",
    "process.runtime.version": process.versions.node,
    "host.name": hostname(),
    ...parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES, "OTEL_RESOURCE_ATTRIBUTES"),
  };
  for (const [variable, key] of K8S_ENV) {
    const value = env[variable]?.trim();
    if (value) attributes[key] = value;
  }
  Object.assign(attributes, config.resourceAttributes);
  if (config.serviceName !== undefined) attributes["service.name"] = config.serviceName;
  if (config.serviceVersion !== undefined) attributes["service.version"] = config.serviceVersion;
  return resources.defaultResource().merge(resources.resourceFromAttributes(attributes));
}
