/**
 * Trace and span ids cut from a small pool of random hex text, refilled in bulk: the SDK's
 * default generator calls `Math.random()` per 4 bytes and hex-encodes each id in its own native
 * call, which cost more per request (a root span needs both ids) than anything else in span
 * creation but the attributes. This one encodes 256 `crypto.randomFillSync` bytes at a time and
 * returns substrings of that text. A substring of 13 or more characters shares the text it was
 * cut from, so a long-lived id (an exemplar) keeps one 512-character pool alive: the pool is
 * kept small for that. Ids are lowercase hex, 32 and 16 characters, never all zero (W3C).
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 256;
const ALL_ZERO_SPAN = "0".repeat(16);
const ALL_ZERO_TRACE = "0".repeat(32);

/** The `IdGenerator` interface of the OpenTelemetry SDK. */
export interface IdGeneratorLike {
  generateTraceId(): string;
  generateSpanId(): string;
}

export class PooledIdGenerator implements IdGeneratorLike {
  readonly #bytes = Buffer.allocUnsafe(POOL_BYTES);
  #hex = "";
  #offset = 0;

  /** The next `length` hex characters of the pool, refilled when it runs out. */
  #take(length: number): string {
    if (this.#offset + length > this.#hex.length) {
      randomFillSync(this.#bytes);
      this.#hex = this.#bytes.toString("hex");
      this.#offset = 0;
    }
    const id = this.#hex.substring(this.#offset, this.#offset + length);
    this.#offset += length;
    return id;
  }

  generateTraceId(): string {
    const id = this.#take(32);
    return id === ALL_ZERO_TRACE ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.#take(16);
    return id === ALL_ZERO_SPAN ? this.generateSpanId() : id;
  }
}
