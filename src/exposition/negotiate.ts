/**
 * Content negotiation of the scrape endpoint: Prometheus text (0.0.4) or OpenMetrics 1.0, chosen
 * from `Accept` the way Prometheus's Go client does (`expfmt.NegotiateIncludingOpenMetrics`):
 * media ranges ranked by q, highest first — on a tie a concrete type before a wildcard, then the
 * order sent — and the first range we serve wins. Wildcards select nothing, so a browser
 * (which accepts anything) gets text. Where the Go client is loose, RFC 9110 decides: q=0 means
 * "not acceptable", a q that is not a number (or is negative) drops its range; as in the Go
 * client, a q above 1 counts as 1. Names compare case-insensitively; quoted values may hold
 * commas.
 */

/** The exposition formats the endpoint serves. */
export type ExpositionFormat = "text" | "openmetrics";

/** Longer `Accept` headers are not parsed (text is served): no scraper sends one. */
const MAX_ACCEPT_LENGTH = 4096;
/** A decimal number, as a q value is written (`0.5`, `1`, `.2`, `1e309`); not `0x1`, not `abc`. */
const DECIMAL = /^\+?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  version: string | undefined;
  order: number;
}

/**
 * The format to answer a scrape with, from its `Accept` header(s). Anything missing, malformed
 * or not naming a format we serve gives `"text"`.
 */
export function negotiateFormat(accept: string | readonly string[] | undefined): ExpositionFormat {
  if (accept === undefined) return "text";
  const header = typeof accept === "string" ? accept : accept.join(",");
  if (header.length > MAX_ACCEPT_LENGTH) return "text";
  const ranked = parseAccept(header).sort(
    (a, b) => b.q - a.q || wildcards(a) - wildcards(b) || a.order - b.order,
  );
  for (const range of ranked) {
    if (range.type === "application" && range.subtype === "openmetrics-text") return "openmetrics";
    const textVersion = range.version === undefined || range.version === "0.0.4";
    if (range.type === "text" && range.subtype === "plain" && textVersion) return "text";
  }
  return "text";
}

/** Whether a scrape asks for OpenMetrics. */
export function wantsOpenMetrics(accept: string | readonly string[] | undefined): boolean {
  return negotiateFormat(accept) === "openmetrics";
}

function wildcards(range: MediaRange): number {
  return (range.type === "*" ? 1 : 0) + (range.subtype === "*" ? 1 : 0);
}

/** The acceptable media ranges (q > 0) of a header; malformed ranges are left out. */
function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  splitOutsideQuotes(header, ",").forEach((part, order) => {
    const [mediaType = "", ...parameters] = splitOutsideQuotes(part, ";");
    const match = /^([\w.+-]+|\*)\/([\w.+-]+|\*)$/.exec(mediaType.trim().toLowerCase());
    if (match === null) return;
    let q = 1;
    let version: string | undefined;
    for (const parameter of parameters) {
      const equals = parameter.indexOf("=");
      if (equals === -1) continue;
      const name = parameter.slice(0, equals).trim().toLowerCase();
      const value = parameter
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      if (name === "q") q = DECIMAL.test(value) ? Math.min(Number(value), 1) : Number.NaN;
      else if (name === "version") version = value;
    }
    if (!(q > 0)) return;
    ranges.push({ type: match[1] ?? "", subtype: match[2] ?? "", q, version, order });
  });
  return ranges;
}

/** Splits on `separator` where it is not inside a double-quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\" && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
