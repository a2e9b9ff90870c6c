/**
 * Route templates for plain `node:http`, which has no router to ask: the user declares the
 * server's templates (`/claims/:id`), and each request path is mapped to one of them — or to
 * nothing, which the caller records as `__unmatched__`, so no raw URL ever becomes a label.
 * Compiled once into a segment tree; a lookup walks the path's segments once, preferring a
 * static segment to a `:param` to a trailing `*` (as find-my-way does), never a RegExp.
 */
import { invalid } from "../kernel/validate.js";

/** The template a request path matches, or `undefined`. */
export type RouteMatcher = (url: string) => string | undefined;

interface RouteNode {
  statics: Map<string, RouteNode>;
  param?: RouteNode;
  /** Template ending in `*` here: matches the rest of the path, possibly empty. */
  rest?: string;
  /** Template ending exactly here. */
  template?: string;
}

const node = (): RouteNode => ({ statics: new Map() });
const PARAM = /^:[A-Za-z_$][\w$]*$/;

/** Validates `templates` (errors name `option[i]`) and builds the matcher. */
export function compileRoutes(templates: readonly unknown[], option = "routes"): RouteMatcher {
  const root = node();
  templates.forEach((template, index) => {
    const fail = (allowed: string) => invalid(`${option}[${index}]`, allowed, template);
    if (typeof template !== "string") throw fail("a route template string");
    if (!template.startsWith("/")) {
      throw fail('a route template starting with "/" (like "/claims/:id")');
    }
    if (/[?#]/.test(template)) throw fail("a path without a query or fragment");
    const segments = segmentsOf(template);
    let at = root;
    for (const [i, segment] of segments.entries()) {
      if (segment === "*") {
        if (i !== segments.length - 1) throw fail('a template with "*" only as its last segment');
        at.rest ??= template;
        return;
      }
      if (segment.startsWith(":")) {
        if (!PARAM.test(segment)) throw fail('a template whose parameters have names (":id")');
        at = at.param ??= node();
      } else {
        let next = at.statics.get(segment);
        if (next === undefined) at.statics.set(segment, (next = node()));
        at = next;
      }
    }
    at.template ??= template;
  });
  return function matchRoute(url) {
    const path = pathOf(url);
    return path === undefined ? undefined : find(root, segmentsOf(path), 0);
  };
}

/** `/a/b/` → `["a", "b"]`; `/` → `[]`. One trailing slash is ignored. */
function segmentsOf(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed === "/" ? [] : trimmed.slice(1).split("/");
}

/** The path of a request target: origin form without query and fragment, or absolute form. */
function pathOf(url: string): string | undefined {
  if (url.startsWith("/")) return url.replace(/[?#].*$/s, "");
  if (!/^https?:\/\//i.test(url)) return undefined; // `*` (OPTIONS), authority form, garbage
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function find(at: RouteNode, segments: readonly string[], index: number): string | undefined {
  if (index === segments.length) return at.template ?? at.rest;
  const segment = segments[index] ?? "";
  const exact = at.statics.get(segment);
  const viaStatic = exact && find(exact, segments, index + 1);
  if (viaStatic !== undefined) return viaStatic;
  const viaParam = at.param && segment !== "" ? find(at.param, segments, index + 1) : undefined;
  return viaParam ?? at.rest;
}
