/**
 * A stand-in Kubernetes API server on 127.0.0.1 for `kubectl apply`: enough discovery for the kinds
 * deploy/ ships, GET/POST/PATCH of objects kept in memory, and a record of every write with its body.
 * It answers what the real API server answers for these calls (objects, 404 Status), so the real
 * kubectl computes its three-way patches exactly as it would against a cluster; tests then assert
 * what those patches carry. Patches are stored with JSON-merge semantics (`$` directives dropped),
 * which is exact for the fields the tests read (replicas, annotations, env references).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface Resource {
  group: string;
  version: string;
  name: string;
  kind: string;
  namespaced: boolean;
}

const RESOURCES: Resource[] = [
  ["", "v1", "namespaces", "Namespace", false],
  ["", "v1", "configmaps", "ConfigMap", true],
  ["", "v1", "secrets", "Secret", true],
  ["", "v1", "services", "Service", true],
  ["", "v1", "serviceaccounts", "ServiceAccount", true],
  ["apps", "v1", "deployments", "Deployment", true],
  ["autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true],
  ["policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true],
  ["networking.k8s.io", "v1", "ingresses", "Ingress", true],
  ["networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true],
].map(([group, version, name, kind, namespaced]) => ({
  group: group as string,
  version: version as string,
  name: name as string,
  kind: kind as string,
  namespaced: namespaced as boolean,
}));

export interface RecordedWrite {
  method: "POST" | "PATCH" | "PUT";
  /** e.g. "Deployment crisislen/crisislen-api" */
  target: string;
  contentType: string;
  body: Record<string, unknown>;
}

type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export class StandInApiServer {
  readonly writes: RecordedWrite[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Stores an object as if a controller (or an earlier apply) had left it there. */
  put(object: KubeObject): void {
    const resource = RESOURCES.find((r) => r.kind === object.kind);
    if (!resource)
      throw new Error(`stand-in API server: no resource for kind ${String(object.kind)}`);
    this.objects.set(this.key(resource, object.metadata.namespace, object.metadata.name), object);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const resource = RESOURCES.find((r) => r.kind === kind)!;
    return this.objects.get(this.key(resource, namespace, name));
  }

  private key(resource: Resource, namespace: string | undefined, name: string): string {
    return `${resource.kind} ${resource.namespaced ? `${namespace}/` : ""}${name}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as KubeObject)
      : undefined;
    const send = (code: number, payload: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const url = new URL(req.url ?? "/", this.url);
    const discovery = this.discovery(url.pathname);
    if (discovery !== undefined) return send(discovery ? 200 : 404, discovery ?? notFound("", ""));
    const match =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
        url.pathname,
      );
    const resource = RESOURCES.find(
      (r) =>
        match &&
        r.name === match[5] &&
        r.version === (match[1] ?? match[3]) &&
        r.group === (match[2] ?? ""),
    );
    if (!match || !resource) return send(404, notFound("path", url.pathname));
    const [namespace, name] = [match[4], match[6]];
    const target = this.key(resource, namespace, name ?? body?.metadata.name ?? "");
    const existing = this.objects.get(target);
    const record = (method: RecordedWrite["method"]) =>
      this.writes.push({
        method,
        target,
        contentType: req.headers["content-type"] ?? "",
        body: body!,
      });
    if (req.method === "GET")
      return existing ? send(200, existing) : send(404, notFound(resource.name, name!));
    if (req.method === "POST") {
      record("POST");
      if (existing)
        return send(409, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "AlreadyExists",
          code: 409,
        });
      const created = {
        ...body!,
        metadata: {
          ...body!.metadata,
          namespace,
          uid: `uid-${this.objects.size}`,
          resourceVersion: "1",
        },
      };
      this.objects.set(target, created as KubeObject);
      return send(201, created);
    }
    if (req.method === "PATCH") {
      record("PATCH");
      if (!existing) return send(404, notFound(resource.name, name!));
      const patched = mergePatch(existing, body) as KubeObject;
      this.objects.set(target, patched);
      return send(200, patched);
    }
    send(405, { kind: "Status", apiVersion: "v1", status: "Failure", code: 405 });
  }

  /** The discovery documents: undefined when the path is not discovery, null for an unknown group. */
  private discovery(pathname: string): unknown {
    const groups = [
      ...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`)),
    ];
    if (pathname === "/version") return { major: "1", minor: "30", gitVersion: "v1.30.0" };
    if (pathname === "/api")
      return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
    if (pathname === "/apis") {
      return {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: groups.map((gv) => {
          const [name, version] = gv.split("/");
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        }),
      };
    }
    const list = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
    if (!list) return pathname.startsWith("/openapi") ? null : undefined;
    const [group, version] = [list[2] ?? "", list[1] ?? list[3]];
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group ? `${group}/${version}` : version,
      resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
        name: r.name,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      })),
    };
  }
}

function notFound(resource: string, name: string) {
  return {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: `${resource} "${name}" not found`,
    reason: "NotFound",
    details: { name, kind: resource },
    code: 404,
  };
}
