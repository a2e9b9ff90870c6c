/**
 * What the exporter last learned about where spans go: the target (the collector's URL), the
 * last failure as an error code and message, and whether the collector is known to be
 * unreachable — its last connection attempt failed in a way retrying within seconds will not
 * fix (nothing listening, unknown host, no route) and no connection succeeded since. Fed by the
 * OTLP agent's sockets and by export results; read by the drop warning, so it names the
 * endpoint and the error, and by the shutdown, which stops waiting for a collector that is down.
 */

/** Connection errors that mean "down", not "slow": retries in the next seconds would fail too. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
]);

export class CollectorStatus {
  private lastFailure: string | undefined;
  private unreachable = false;
  private readonly listeners = new Set<() => void>();

  /** @param target what spans are sent to, for messages: a URL, or e.g. "the console exporter" */
  constructor(readonly target: string) {}

  /** A connection to the collector was established. */
  connected(): void {
    this.unreachable = false;
  }

  /** A connection attempt (or an established connection) failed with `error`. */
  connectionFailed(error: unknown): void {
    this.lastFailure = describeError(error);
    if (!UNREACHABLE.has(errorCode(error) ?? "")) return;
    this.unreachable = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  /** An export (after the exporter's own retries) failed with `error`. */
  exportFailed(error: unknown): void {
    this.lastFailure = describeError(error);
  }

  /** Whether the collector's last connection attempt found it down. */
  get knownUnreachable(): boolean {
    return this.unreachable;
  }

  /**
   * Calls `listener` at the next connection attempt that finds the collector down; returns a
   * function that cancels it. Only attempts from now on count: a collector that was down a
   * minute ago may be back, and a flush tries anew.
   */
  onNextUnreachable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** `exporting to http://… failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:4318)` */
  describe(): string {
    return this.lastFailure === undefined
      ? `exporting to ${this.target}`
      : `exporting to ${this.target} failed: ${this.lastFailure}`;
  }
}

/** The error's code: a Node system error's, the first of an AggregateError's, an HTTP status. */
function errorCode(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; errors?: unknown[] } | null | undefined;
  if (typeof candidate?.code === "string") return candidate.code;
  if (typeof candidate?.code === "number") return `HTTP ${candidate.code}`;
  const first = Array.isArray(candidate?.errors) ? candidate.errors[0] : undefined;
  return first === undefined ? undefined : errorCode(first);
}

/** `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:4318)`, `HTTP 500 (Internal Server Error)`. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined) return message || "unknown error";
  return message === "" || message === code ? code : `${code} (${message})`;
}
