/** Matching request paths against the ignore list; built once, called per request. */

/** Returns a predicate for raw request URLs (query string ignored). Entries ending in `*` are prefixes. */
export function pathMatcher(paths: readonly string[]): (url: string | undefined) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of paths) {
    if (p.endsWith("*")) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (url) => {
    if (url === undefined) return false;
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (exact.has(path)) return true;
    for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
    return false;
  };
}
