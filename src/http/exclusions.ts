/**
 * Route exclusions: each route template is matched against the `excludeRoutes` patterns once,
 * the first time it is seen, and the answer kept — a request costs one map lookup, never a
 * regular expression.
 */

/** Bound on remembered answers; templates are few, this only guards against misuse. */
const MAX_REMEMBERED = 10_000;

/** Whether a route template is excluded, memoised per template. */
export function createEndpointFilter(
  patterns: ReadonlyArray<string | RegExp>,
): (endpoint: string) => boolean {
  const exact = new Set(
    patterns.filter((pattern): pattern is string => typeof pattern === "string"),
  );
  const expressions = patterns.filter((pattern): pattern is RegExp => pattern instanceof RegExp);
  const answers = new Map<string, boolean>();
  return function isExcludedEndpoint(endpoint) {
    let excluded = answers.get(endpoint);
    if (excluded === undefined) {
      excluded =
        exact.has(endpoint) ||
        expressions.some((expression) => {
          expression.lastIndex = 0; // a /g or /y expression keeps state between calls
          return expression.test(endpoint);
        });
      if (answers.size >= MAX_REMEMBERED) answers.clear();
      answers.set(endpoint, excluded);
    }
    return excluded;
  };
}
