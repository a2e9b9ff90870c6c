/**
 * The decision the collector's tail_sampling processor takes for one trace, re-implemented for
 * the policy types the gateway uses, so the policy list the chart renders can be tested as data
 * (no collector binary runs here). Follows opentelemetry-collector-contrib's
 * processor/tailsamplingprocessor/internal/sampling: status_code.go (any span with a listed
 * status), latency.go (last end − first start, in whole milliseconds, ≥ threshold_ms; or in
 * (threshold_ms, upper_threshold_ms] when an upper bound is set), probabilistic.go (FNV-1a 64 of
 * salt + the 16 trace id bytes ≤ MaxUint64 × percentage / 100); a trace is kept when any policy
 * keeps it. Any other policy type throws: an evaluator that guessed would make the tests lie.
 */

export type SpanStatus = "UNSET" | "OK" | "ERROR";
export interface SyntheticSpan {
  startNs: bigint;
  endNs: bigint;
  status: SpanStatus;
}
export interface SyntheticTrace {
  /** 32 hex digits, as in W3C traceparent. */
  traceId: string;
  spans: SyntheticSpan[];
}

export interface TailSamplingPolicy {
  name: string;
  type: string;
  status_code?: { status_codes: SpanStatus[] };
  latency?: { threshold_ms: number; upper_threshold_ms?: number };
  probabilistic?: { sampling_percentage: number; hash_salt?: string };
}

const MAX_UINT64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
/** probabilistic.go's salt when hash_salt is empty. */
export const DEFAULT_HASH_SALT = "default-hash-seed";

/** FNV-1a, 64 bits (Go's hash/fnv New64a). */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MAX_UINT64;
  return hash;
}

/** The exact value of a float64 as mantissa × 2^exponent. */
function exactFloat(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/**
 * calculateThreshold: MaxUint64 × ratio in a 64-bit-mantissa big.Float (round half to even), then
 * truncated to a uint64 (0 below, MaxUint64 above).
 */
export function probabilisticThreshold(percentage: number): bigint {
  const ratio = percentage / 100;
  if (!(ratio > 0)) return 0n;
  const { mantissa, exponent } = exactFloat(ratio);
  let product = MAX_UINT64 * mantissa;
  let scale = exponent;
  const excess = product.toString(2).length - 64;
  if (excess > 0) {
    const half = 1n << BigInt(excess - 1);
    const kept = product >> BigInt(excess);
    const rest = product & ((1n << BigInt(excess)) - 1n);
    product = rest > half || (rest === half && (kept & 1n) === 1n) ? kept + 1n : kept;
    scale += excess;
  }
  const value = scale >= 0 ? product << BigInt(scale) : product >> BigInt(-scale);
  return value > MAX_UINT64 ? MAX_UINT64 : value;
}

function traceIdBytes(traceId: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/i.test(traceId)) throw new Error(`not a 16-byte hex trace id: ${traceId}`);
  return Uint8Array.from(Buffer.from(traceId, "hex"));
}

/** Whether one policy keeps the trace. */
export function policyKeeps(policy: TailSamplingPolicy, trace: SyntheticTrace): boolean {
  switch (policy.type) {
    case "status_code": {
      const codes = policy.status_code?.status_codes ?? [];
      if (codes.length === 0) throw new Error(`policy ${policy.name}: no status_codes`);
      return trace.spans.some((span) => codes.includes(span.status));
    }
    case "latency": {
      const { threshold_ms: low, upper_threshold_ms: high = 0 } = policy.latency ?? {
        threshold_ms: 0,
      };
      if (trace.spans.length === 0) return false;
      const start = trace.spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), 2n ** 63n);
      const end = trace.spans.reduce((max, s) => (s.endNs > max ? s.endNs : max), 0n);
      // time.Duration.Milliseconds() truncates toward zero.
      const ms = Number((end - start) / 1_000_000n);
      return high === 0 ? ms >= low : low < ms && ms <= high;
    }
    case "probabilistic": {
      const { sampling_percentage: percentage = 0, hash_salt: salt = "" } =
        policy.probabilistic ?? {};
      const bytes = new Uint8Array([
        ...Buffer.from(salt === "" ? DEFAULT_HASH_SALT : salt, "utf8"),
        ...traceIdBytes(trace.traceId),
      ]);
      return fnv1a64(bytes) <= probabilisticThreshold(percentage);
    }
    default:
      throw new Error(
        `policy ${policy.name}: type ${policy.type} is not evaluated here (status_code, latency, probabilistic)`,
      );
  }
}

/** The processor's decision: kept when any policy keeps it; `by` names the policies that did. */
export function tailSamplingDecision(
  policies: TailSamplingPolicy[],
  trace: SyntheticTrace,
): { kept: boolean; by: string[] } {
  if (policies.length === 0) throw new Error("tail_sampling has no policies");
  const by = policies.filter((policy) => policyKeeps(policy, trace)).map((p) => p.name);
  return { kept: by.length > 0, by };
}
