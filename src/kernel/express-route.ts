/**
 * The route template of an Express request, with the mount prefixes of every router and
 * sub-app it went through (`/api/v1/claims/:id`), for Express 4 and 5. Express keeps only the
 * concrete `req.baseUrl`, so the templates are read once from the router tree (mount paths of
 * router layers, `route.path` of route layers) and cached per route object. Never the raw URL.
 */
import type { IncomingMessage } from "node:http";

interface ExpressLayer {
  route?: ExpressRoute;
  handle?: { stack?: ExpressLayer[] };
  /** Express 5 (router 2): the path given to `use`. */
  rawPath?: unknown;
  /** Express 4: the compiled mount path. */
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: Array<{ name: string | number }>;
}

interface ExpressRoute {
  path: unknown;
  stack?: unknown[];
}

interface ExpressApp {
  _router?: { stack: ExpressLayer[] };
  router?: { stack: ExpressLayer[] };
  mountpath?: unknown;
  parent?: ExpressApp;
}

interface ExpressRequest extends IncomingMessage {
  route?: ExpressRoute;
  baseUrl?: string;
  app?: ExpressApp;
}

/** A route's possible full templates (one per place its router is mounted). */
interface Candidate {
  template: string;
  prefixMatcher: RegExp | undefined;
}

/** Writes a path argument (`string`, `RegExp`, or an array of them) as label text. */
function pathText(path: unknown): string {
  if (typeof path === "string") return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) return path.map(pathText).join("|");
  return "";
}

/** Express 4 keeps only the compiled regexp of a mount path; this writes it back as a template. */
function express4MountPath(layer: ExpressLayer): string {
  const regexp = layer.regexp;
  if (regexp === undefined || regexp.fast_slash === true) return "";
  const keys = layer.keys ?? [];
  let keyIndex = 0;
  const template = regexp.source
    .replace(/^\^/, "")
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, "")
    .replace(/\\\/\?\$$/, "")
    // path-to-regexp 0.1 writes a parameter as `(?:([^\/]+?))`, or `(?:\/([^/]+?))` after a slash.
    .replace(
      /\(\?:(\\\/)?\(\[\^\\?\/\]\+\?\)\)/g,
      (_match, slash?: string) =>
        `${slash === undefined ? "" : "\\/"}:${String(keys[keyIndex++]?.name ?? keyIndex)}`,
    )
    .replace(/\\(.)/g, "$1");
  // A mount path that was itself a RegExp or a pattern we cannot read back stays a regexp text.
  return /[()[\]*+?|^$]/.test(template) ? String(regexp) : template;
}

function mountPath(layer: ExpressLayer): string {
  const raw = "rawPath" in layer ? pathText(layer.rawPath) : express4MountPath(layer);
  return raw === "/" ? "" : raw;
}

function join(prefix: string, path: string): string {
  if (prefix === "") return path === "" ? "/" : path;
  if (path === "/" || path === "") return prefix;
  return prefix.endsWith("/") && path.startsWith("/") ? prefix + path.slice(1) : prefix + path;
}

/** Matches a concrete `baseUrl` against a prefix template (`/users/:id` → `^/users/[^/]+$`). */
function prefixMatcher(prefix: string): RegExp | undefined {
  if (prefix === "") return undefined;
  if (prefix.startsWith("/") && !/[()[\]*+?|\\]/.test(prefix)) {
    const source = prefix
      .split("/")
      .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.^$]/g, "\\$&")))
      .join("/");
    return new RegExp(`^${source}/?$`, "i");
  }
  return undefined;
}

function collect(
  stack: ExpressLayer[] | undefined,
  prefix: string,
  into: Map<ExpressRoute, Candidate[]>,
  depth: number,
): void {
  if (stack === undefined || depth > 32) return;
  for (const layer of stack) {
    if (layer.route !== undefined) {
      const list = into.get(layer.route) ?? [];
      list.push({
        template: join(prefix, pathText(layer.route.path)),
        prefixMatcher: prefixMatcher(prefix),
      });
      into.set(layer.route, list);
    } else {
      // A nested router keeps its layers in `stack`; a sub-app given to `router.use()` is the
      // app function itself, with its router under `_router` (4) or `router` (5).
      const nested = Array.isArray(layer.handle?.stack)
        ? layer.handle.stack
        : subAppStack(layer.handle);
      if (nested !== undefined) {
        collect(nested, join(prefix, mountPath(layer)).replace(/^\/$/, ""), into, depth + 1);
      }
    }
  }
}

/** The router stack of `handle` when it is an Express app, else `undefined`. */
function subAppStack(handle: unknown): ExpressLayer[] | undefined {
  if (typeof handle !== "function") return undefined;
  const app = handle as unknown as ExpressApp & { handle?: unknown; set?: unknown };
  if (typeof app.handle !== "function" || typeof app.set !== "function") return undefined;
  try {
    // `_router` first: Express 4 throws on reading `app.router`.
    return (app._router ?? app.router)?.stack;
  } catch {
    return undefined;
  }
}

/** The mount prefix of a (sub-)app: its own mount path after its parents'. */
function appPrefix(app: ExpressApp | undefined): string {
  let prefix = "";
  for (let current = app; current?.parent !== undefined; current = current.parent) {
    const own = pathText(current.mountpath);
    prefix = join(own === "/" ? "" : own, prefix).replace(/^\/$/, "");
  }
  return prefix;
}

/** Route templates by route object, for each app, rebuilt when a route is not yet known. */
const byApp = new WeakMap<ExpressApp, Map<ExpressRoute, Candidate[]>>();

function candidatesFor(app: ExpressApp, route: ExpressRoute): Candidate[] | undefined {
  let routes = byApp.get(app);
  if (routes === undefined || !routes.has(route)) {
    routes = new Map();
    // `_router` first: Express 4 throws on reading `app.router`.
    collect((app._router ?? app.router)?.stack, appPrefix(app), routes, 0);
    byApp.set(app, routes);
  }
  return routes.get(route);
}

/**
 * The full route template of `req`, or `undefined` when it matched no route (the caller uses
 * `__unmatched__`). When one router is mounted at several prefixes, the prefix whose template
 * matches `req.baseUrl` wins.
 */
export function expressRouteTemplate(
  req: IncomingMessage,
  mountedOn?: unknown,
): string | undefined {
  const request = req as ExpressRequest;
  const route = request.route;
  if (route === undefined || route === null) return undefined;
  // The app the middleware is mounted on sees every router below it; the request's own app
  // (a sub-app mounted with `app.use(path, subApp)`) knows its prefix through `parent`. Read
  // `req.app` only when needed: each property read on Express's re-parented request misses V8's
  // caches (see ./untracked.ts).
  let candidates =
    mountedOn === undefined ? undefined : candidatesFor(mountedOn as ExpressApp, route);
  if (candidates === undefined || candidates.length === 0) {
    const app = request.app;
    if (app !== undefined) candidates = candidatesFor(app, route);
  }
  if (candidates === undefined || candidates.length === 0) return pathText(route.path) || undefined;
  if (candidates.length === 1) return (candidates[0] as Candidate).template;
  const baseUrl = request.baseUrl ?? "";
  const matching = candidates.find((candidate) =>
    candidate.prefixMatcher === undefined ? baseUrl === "" : candidate.prefixMatcher.test(baseUrl),
  );
  return (matching ?? (candidates[0] as Candidate)).template;
}
