/**
 * Where ingress-nginx sends a request, from rendered Ingress objects: a model of the controller's
 * documented location rules (ingress-nginx docs, "Ingress Path Matching"), enough to ask "can the
 * public host reach /metrics?" without a cluster:
 * - nginx normalizes the URI first: %XX decoded, `//` merged, `.` and `..` segments resolved; the
 *   query string is not part of it.
 * - Without `use-regex` on any Ingress of the host: Exact paths match exactly, Prefix paths match
 *   element-wise; the longest match wins.
 * - With `nginx.ingress.kubernetes.io/use-regex: "true"` on any Ingress of the host, every path of
 *   the host becomes a case-insensitive regex (`~*`) anchored at the start, tried longest first.
 * - `denylist-source-range` covering every address answers 403 before proxying.
 */
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { KubeObject } from "./manifests.js";

export type Route =
  | { kind: "denied"; ingress: string }
  | { kind: "backend"; ingress: string; service: string; port: string | number }
  | { kind: "none" };

const USE_REGEX = "nginx.ingress.kubernetes.io/use-regex";
const DENYLIST = "nginx.ingress.kubernetes.io/denylist-source-range";

/** The URI nginx matches locations against. */
export function normalizeUri(requestTarget: string): string {
  const path = decodeURIComponent(requestTarget.split("?")[0]!).replace(/\/{2,}/g, "/");
  const out: string[] = [];
  for (const segment of path.split("/").slice(1)) {
    if (segment === "..") out.pop();
    else if (segment !== ".") out.push(segment);
  }
  return `/${out.join("/")}`;
}

interface Location {
  ingress: IIngress;
  path: string;
  pathType: string;
  backend: { service: string; port: string | number };
}

/** Routes `requestTarget` on `host` through every nginx-class Ingress in `objects`. */
export function route(objects: KubeObject[], host: string, requestTarget: string): Route {
  const ingresses = objects.filter(
    (o): o is KubeObject & IIngress => o.kind === "Ingress",
  ) as unknown as IIngress[];
  const locations: Location[] = ingresses
    .filter((i) => i.spec?.ingressClassName === "nginx")
    .flatMap((ingress) =>
      (ingress.spec?.rules ?? [])
        .filter((rule) => rule.host === host)
        .flatMap((rule) =>
          (rule.http?.paths ?? []).map((p) => ({
            ingress,
            path: p.path ?? "/",
            pathType: p.pathType,
            backend: {
              service: p.backend.service?.name ?? "",
              port: p.backend.service?.port?.name ?? p.backend.service?.port?.number ?? 0,
            },
          })),
        ),
    );
  const regex = locations.some((l) => l.ingress.metadata?.annotations?.[USE_REGEX] === "true");
  const uri = normalizeUri(requestTarget);
  const matches = (l: Location) => {
    if (regex) return new RegExp(`^${l.path}`, "i").test(uri);
    if (l.pathType === "Exact") return uri === l.path;
    const prefix = l.path.replace(/\/$/, "");
    return prefix === "" || uri === prefix || uri.startsWith(`${prefix}/`);
  };
  const winner = [...locations].sort((a, b) => b.path.length - a.path.length).find(matches);
  if (!winner) return { kind: "none" };
  const name = winner.ingress.metadata?.name ?? "";
  const denied = (winner.ingress.metadata?.annotations?.[DENYLIST] ?? "").split(",");
  if (denied.includes("0.0.0.0/0") && denied.includes("::/0"))
    return { kind: "denied", ingress: name };
  return { kind: "backend", ingress: name, ...winner.backend };
}
