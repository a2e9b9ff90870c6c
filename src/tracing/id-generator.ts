/**
 * Trace and span ids from a pool of random hex text, refilled in bulk: the SDK's default
 * generator calls `Math.random()` per 4 bytes and hex-encodes each id in its own native call,
 * which costs more per request (a root span needs both ids) than the rest of span creation
 * but for the attributes. This one encodes 4 KiB of `crypto.randomFillSync` bytes at a time and
 * cuts ids from that text. Ids are lowercase hex, 32 and 16 characters, never all zero (W3C).
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
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

  /**
   * The next `length` hex characters. Cut as 8-character pieces joined, so no id is a slice
   * that would keep the whole pool text alive for as long as the id lives (an exemplar, say).
   */
  #take(length: number): string {
    if (this.#offset + length > this.#hex.length) {
      randomFillSync(this.#bytes);
      this.#hex = this.#bytes.toString("hex");
      this.#offset = 0;
    }
    const hex = this.#hex;
    let id = "";
    for (let at = this.#offset, end = this.#offset + length; at < end; at += 8) {
      id += hex.substring(at, at + 8);
    }
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
