/** Parses Prometheus text exposition into samples, for exact assertions in tests. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL)) labels[label[1]!] = label[2]!;
    const raw = match[3]!;
    samples.push({ name: match[1]!, labels, value: raw === "+Inf" ? Infinity : Number(raw) });
  }
  return samples;
}

/** Samples named `name` whose labels include every pair in `where`. */
export function select(
  samples: Sample[],
  name: string,
  where: Record<string, string> = {},
): Sample[] {
  return samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(where).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The single value of `name` with labels `where`; throws when there is not exactly one. */
export function valueOf(
  samples: Sample[],
  name: string,
  where: Record<string, string> = {},
): number {
  const found = select(samples, name, where);
  if (found.length !== 1) {
    throw new Error(`expected one sample ${name}${JSON.stringify(where)}, found ${found.length}`);
  }
  return found[0]!.value;
}

/** Distinct label sets of `name` (a series count). */
export function seriesCount(samples: Sample[], name: string): number {
  return select(samples, name).length;
}
