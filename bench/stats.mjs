// Summaries of the interleaved rounds. Every configuration is paired with its bare framework
// of the same round (same build of nothing, same minute of the machine), and what is reported
// is the median of those per-round values with their spread: the interquartile range and the
// min–max. A round the machine slowed down as a whole moves both sides of a pair.

/** The q-quantile (0–1) of `values`, linear between the two nearest ranks. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Median, quartiles and extremes of `values`, rounded to `digits`. */
export function spread(values, digits = 2) {
  const round = (value) => Number(value.toFixed(digits));
  return {
    n: values.length,
    median: round(quantile(values, 0.5)),
    p25: round(quantile(values, 0.25)),
    p75: round(quantile(values, 0.75)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}

/** `fastify-ours@cjs` → `fastify-bare`. */
export const bareOf = (config) => `${config.split("-")[0]}-bare`;

/**
 * One summary row per configuration: server CPU µs per request, the paired extra µs and req/s
 * ratio against bare, req/s, p99, and the checks (every request recorded, spans per request).
 */
export function summarize(configs, runs) {
  return configs.map((config) => {
    const mine = runs.filter((run) => run.config === config);
    const pairs = mine
      .map((run) => ({
        run,
        bare: runs.find((other) => other.round === run.round && other.config === bareOf(config)),
      }))
      .filter((pair) => pair.bare !== undefined && config !== bareOf(config));
    return {
      config,
      rounds: mine.length,
      rps: spread(
        mine.map((run) => run.rps),
        0,
      ),
      cpuMicrosPerRequest: spread(mine.map((run) => run.cpuMicrosPerRequest)),
      extraMicros: pairs.length
        ? spread(pairs.map(({ run, bare }) => run.cpuMicrosPerRequest - bare.cpuMicrosPerRequest))
        : undefined,
      rpsRatio: pairs.length
        ? spread(
            pairs.map(({ run, bare }) => run.rps / bare.rps),
            3,
          )
        : undefined,
      p99: quantile(
        mine.map((run) => run.p99),
        0.5,
      ),
      errors: mine.reduce((sum, run) => sum + run.errors, 0),
      recordedExactly: mine.some((run) => run.recorded !== undefined)
        ? mine.every((run) => run.recorded === run.sent)
        : undefined,
      spansPerRequest: mine.some((run) => run.spansPerRequest !== undefined)
        ? spread(
            mine.map((run) => run.spansPerRequest),
            3,
          )
        : undefined,
      checksFailed: mine.flatMap((run) => run.checkFailures ?? []),
    };
  });
}

/**
 * The ESM and CJS builds of one mode, paired per round: CJS minus ESM server CPU µs per request.
 */
export function buildDifferences(configs, runs) {
  const modes = [...new Set(configs.filter((c) => c.endsWith("@cjs")).map((c) => c.split("@")[0]))];
  return modes
    .filter((mode) => configs.includes(`${mode}@esm`))
    .map((mode) => {
      const deltas = runs
        .filter((run) => run.config === `${mode}@cjs`)
        .map((cjs) => {
          const esm = runs.find((r) => r.round === cjs.round && r.config === `${mode}@esm`);
          return esm ? cjs.cpuMicrosPerRequest - esm.cpuMicrosPerRequest : undefined;
        })
        .filter((delta) => delta !== undefined);
      return { mode, cjsMinusEsmMicros: spread(deltas) };
    });
}
