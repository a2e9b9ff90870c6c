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

/** Random bytes per refill: 512 hex characters, 16 trace ids or 32 span ids. */
export const POOL_BYTES = 256;
const ALL_ZERO_SPAN = "0".repeat(16);
const ALL_ZERO_TRACE = "0".repeat(32);

/** The `IdGenerator` interface of the OpenTelemetry SDK. */
export interface IdGeneratorLike {
  generateTraceId(): string;
  generateSpanId(): string;
}

/** Fills a buffer with random bytes. */
export type RandomFill = (bytes: Buffer) => void;

/** The SDK's `IdGenerator` for our provider: W3C ids cut from a pooled random hex text. */
export class PooledIdGenerator implements IdGeneratorLike {
  readonly #bytes = Buffer.allocUnsafe(POOL_BYTES);
  readonly #fill: RandomFill;
  #hex = "";
  #offset = 0;

  /**
   * @param fill the random source; replaced only by tests, to reach the all-zero path.
   * @default crypto.randomFillSync
   */
  constructor(fill: RandomFill = randomFillSync) {
    this.#fill = fill;
  }

  /**
   * The next `length` hex characters not handed out before: a slice is used once, and the
   * rest of a pool too short for an id is dropped rather than joined with the next pool.
   */
  #take(length: number): string {
    if (this.#offset + length > this.#hex.length) {
      this.#fill(this.#bytes);
      this.#hex = this.#bytes.toString("hex");
      this.#offset = 0;
    }
    const id = this.#hex.substring(this.#offset, this.#offset + length);
    this.#offset += length;
    return id;
  }

  generateTraceId(): string {
    // All zero is the invalid id; the next slice is as random as the rejected one would have been
    // (the SDK's default sets the last byte to 1 instead, which makes ...01 twice as likely).
    let id = this.#take(32);
    while (id === ALL_ZERO_TRACE) id = this.#take(32);
    return id;
  }

  generateSpanId(): string {
    let id = this.#take(16);
    while (id === ALL_ZERO_SPAN) id = this.#take(16);
    return id;
  }
}
