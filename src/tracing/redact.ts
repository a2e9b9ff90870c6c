/**
 * Keeps secrets out of spans. Runs in `onEnd`, before the export processor, so it covers every
 * source of URL attributes at once (http, undici, @fastify/otel, the user's own): userinfo
 * (`user:pass@`) and sensitive query values become `REDACTED`, and a query string never stays in
 * a span name or in `url.path` (nor does the scheme and authority of an absolute-form target).
 */
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

const REDACTED = "REDACTED";
const FULL_URL_KEYS = ["url.full", "http.url", "url.original"];
const QUERY_KEYS = ["url.query"];
const PATH_KEYS = ["url.path", "http.target"];
/** `scheme://authority` at the start of an absolute URL (authority includes any userinfo). */
const ABSOLUTE_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
const SLASH = 0x2f;

/** Builds the predicate "is this query parameter sensitive" from the configured name suffixes. */
export function sensitiveParamMatcher(suffixes: readonly string[]): (name: string) => boolean {
  const list = suffixes.map((s) => s.toLowerCase().replace(/[-_.]/g, ""));
  return (name) => {
    const normalized = name.toLowerCase().replace(/[-_.]/g, "");
    return list.some((suffix) => normalized.endsWith(suffix));
  };
}

/** Redacts the values of sensitive parameters in a query string (without the leading `?`). */
function redactQuery(query: string, isSensitive: (name: string) => boolean): string {
  if (query === "") return query;
  return query
    .split("&")
    .map((pair) => {
      const at = pair.indexOf("=");
      const rawName = at < 0 ? pair : pair.slice(0, at);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // keep the raw name
      }
      return at >= 0 && isSensitive(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join("&");
}

/** Redacts userinfo and sensitive query values of an absolute URL or a path. */
export function redactUrl(url: string, isSensitive: (name: string) => boolean): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}:${REDACTED}@`);
  const q = out.indexOf("?");
  if (q >= 0) {
    const hash = out.indexOf("#", q);
    const end = hash < 0 ? out.length : hash;
    out = out.slice(0, q + 1) + redactQuery(out.slice(q + 1, end), isSensitive) + out.slice(end);
  }
  return out;
}

/** The span processor doing the above; put it before the export processor. */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly isSensitive: ((name: string) => boolean) | undefined;

  constructor(suffixes: readonly string[] | false) {
    this.isSensitive = suffixes === false ? undefined : sensitiveParamMatcher(suffixes);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const mutable = span as { name: string; attributes: Record<string, unknown> };
    const q = mutable.name.indexOf("?");
    if (q >= 0) mutable.name = mutable.name.slice(0, q);
    const attrs = mutable.attributes;
    for (const key of PATH_KEYS) {
      const raw = attrs[key];
      if (typeof raw !== "string") continue;
      let value = raw;
      // An absolute-form request target (`GET http://user:pass@host/a HTTP/1.1`) arrives here
      // whole; a path attribute keeps the path only, so userinfo never stays in it. (A path
      // starting with "/" cannot be one: the regular expression is skipped for it.)
      const origin = value.charCodeAt(0) === SLASH ? null : ABSOLUTE_ORIGIN.exec(value);
      if (origin !== null) value = value.slice(origin[0].length) || "/";
      const at = value.indexOf("?");
      if (at >= 0) {
        if (attrs["url.query"] === undefined) attrs["url.query"] = value.slice(at + 1);
        value = value.slice(0, at);
      }
      attrs[key] = value;
    }
    const isSensitive = this.isSensitive;
    if (isSensitive === undefined) return;
    for (const key of FULL_URL_KEYS) {
      const value = attrs[key];
      if (typeof value === "string") attrs[key] = redactUrl(value, isSensitive);
    }
    for (const key of QUERY_KEYS) {
      const value = attrs[key];
      if (typeof value === "string") attrs[key] = redactQuery(value, isSensitive);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
