/**
 * The environment a rendered Deployment's container starts with, computed the way the kubelet
 * does: `envFrom` sources in order (ConfigMaps and Secrets looked up in the same rendered set),
 * then `env` entries, whose `$(VAR)` references expand to variables defined before them (`$$`
 * escapes, unknown references stay as written). Downward-API fields get stand-in pod values;
 * `secretKeyRef`s read the Secret's key (a missing key is an error, as for the kubelet).
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { KubeObject } from "./manifests.js";

/** The stand-in pod's uid (`metadata.uid`). */
export const STAND_IN_POD_UID = "0c7a1e2d-4f5b-4c3a-9e8d-1b2c3d4e5f60";

/** What the downward API would give a pod of the Deployment; other field paths are refused. */
export function fieldValue(deployment: IDeployment, fieldPath: string): string {
  const name = deployment.metadata?.name ?? "app";
  const values: Record<string, string> = {
    "metadata.name": `${name}-5d9f7c6b8-x2x4q`,
    "metadata.uid": STAND_IN_POD_UID,
    "metadata.namespace": deployment.metadata?.namespace ?? "default",
    "spec.nodeName": "node-a",
    "status.podIP": "10.0.0.17",
  };
  const value = values[fieldPath];
  if (value === undefined) throw new Error(`no stand-in value for fieldRef ${fieldPath}`);
  return value;
}

/** Kubernetes' `$(VAR)` expansion of an env value: `$$` is a literal `$`. */
export function expandReferences(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\((\w+)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return "$";
    return defined[name] ?? match;
  });
}

function named<T extends { metadata?: { name?: string } }>(
  objects: KubeObject[],
  kind: string,
  name: string,
): T | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
}

export interface ContainerEnvOptions {
  /**
   * Data of Secrets the set refers to but does not render (`secret.existingSecret`, created
   * outside the chart). A reference to one missing from both is an error.
   */
  externalSecrets?: Record<string, Record<string, string>>;
}

/** A Secret's data, decoded: rendered in the set, else given as external; undefined when neither. */
function secretData(
  objects: KubeObject[],
  name: string,
  options: ContainerEnvOptions,
): Record<string, string> | undefined {
  const secret = named<ISecret>(objects, "Secret", name);
  if (!secret) return options.externalSecrets?.[name];
  return {
    ...Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    ),
    ...secret.stringData,
  };
}

/** The first container's environment, by variable name. */
export function containerEnv(
  objects: KubeObject[],
  deployment: IDeployment,
  options: ContainerEnvOptions = {},
): Record<string, string> {
  const container = deployment.spec?.template.spec?.containers[0];
  if (container === undefined) throw new Error(`${deployment.metadata?.name} has no container`);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef) {
      const map = named<IConfigMap>(objects, "ConfigMap", source.configMapRef.name ?? "");
      if (!map) throw new Error(`ConfigMap ${source.configMapRef.name} is not in the set`);
      for (const [key, value] of Object.entries(map.data ?? {})) env[prefix + key] = value;
    } else if (source.secretRef) {
      const name = source.secretRef.name ?? "";
      const data = secretData(objects, name, options);
      if (!data) throw new Error(`Secret ${name} is neither in the set nor given as external`);
      for (const [key, value] of Object.entries(data)) env[prefix + key] = value;
    }
  }
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    const secretRef = variable.valueFrom?.secretKeyRef;
    if (fieldPath !== undefined) env[variable.name] = fieldValue(deployment, fieldPath);
    else if (secretRef) {
      // The kubelet refuses to start a container whose required key is missing.
      const value = secretData(objects, secretRef.name ?? "", options)?.[secretRef.key];
      if (value === undefined)
        throw new Error(`${variable.name}: Secret ${secretRef.name} has no key ${secretRef.key}`);
      env[variable.name] = value;
    } else if (variable.valueFrom) throw new Error(`${variable.name}: unsupported valueFrom`);
    else env[variable.name] = expandReferences(variable.value ?? "", env);
  }
  return env;
}
