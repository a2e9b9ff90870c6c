import { parseAllDocuments } from "yaml";

/** The fields every Kubernetes object has; tests narrow further with kubernetes-models' interfaces. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/**
 * Parses a multi-document manifest stream. YAML 1.1, as kubectl reads it (`yes` is a boolean there),
 * and duplicate keys are an error.
 */
export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, { version: "1.1", uniqueKeys: true })) {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as KubeObject);
  }
  return objects;
}

/** The one object of a kind (and name, when given); throws when there is none or several. */
export function findOne<T>(objects: KubeObject[], kind: string, name?: string): T {
  const matches = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${matches.length}`);
  }
  return matches[0] as T;
}
