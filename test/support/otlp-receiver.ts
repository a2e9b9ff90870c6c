/**
 * An in-process OTLP/HTTP trace receiver for tests: listens on 127.0.0.1 (random port), decodes
 * what `@opentelemetry/exporter-trace-otlp-proto` really sends (protobuf `ExportTraceServiceRequest`,
 * gzip or not; JSON too), and can misbehave on purpose: refuse connections, reset them, answer
 * 500, or accept and never answer.
 *
 *   const receiver = await startOtlpReceiver();
 *   … exporter url: receiver.url  (http://127.0.0.1:PORT/v1/traces)
 *   const spans = await receiver.waitForSpans(3, 5000);
 *   await receiver.close();
 *
 * `@opentelemetry/otlp-transformer` only encodes requests (and decodes responses), so the request
 * decoder is the small protobuf reader below.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";

/** How the receiver answers. */
export type ReceiverMode = "ok" | "refuse" | "reset" | "error500" | "hang";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  name: string;
  /** `SpanKind` of `@opentelemetry/api` (0 internal, 1 server, 2 client, 3 producer, 4 consumer). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: { name: string; version: string };
}

export interface OtlpReceiver {
  /** Full traces URL, e.g. `http://127.0.0.1:40123/v1/traces`. */
  readonly url: string;
  readonly port: number;
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Paths and content types of every request received (to prove nothing went to /v1/metrics). */
  requests(): { path: string; contentType: string }[];
  /** Resolves with the spans once at least `n` arrived; rejects after `timeoutMs`. */
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Changes the behaviour for the next requests. `refuse` closes the listening socket. */
  setMode(mode: ReceiverMode): Promise<void>;
  /** Forgets the received spans and requests. */
  clear(): void;
  /** Stops listening and destroys every open connection (hung ones included). */
  close(): Promise<void>;
}

// ---- protobuf wire-format reader -------------------------------------------------------------

type Field = { no: number; wire: number; value: bigint | Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error("truncated varint");
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const fixed = (bytes: number): bigint => {
    let result = 0n;
    for (let i = bytes - 1; i >= 0; i--) result = (result << 8n) | BigInt(buf[pos + i] ?? 0);
    pos += bytes;
    return result;
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1) yield { no, wire, value: fixed(8) };
    else if (wire === 5) yield { no, wire, value: fixed(4) };
    else if (wire === 2) {
      const len = Number(varint());
      yield { no, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (v: Field["value"]): string => Buffer.from(v as Uint8Array).toString("utf8");
const hex = (v: Field["value"]): string => Buffer.from(v as Uint8Array).toString("hex");
const int = (v: Field["value"]): number | bigint => {
  const n = BigInt.asIntN(64, v as bigint);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n;
};

function anyValue(buf: Uint8Array): unknown {
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        return text(f.value);
      case 2:
        return f.value === 1n;
      case 3:
        return int(f.value);
      case 4:
        return new Float64Array(new BigUint64Array([f.value as bigint]).buffer)[0];
      case 5:
        return [...fields(f.value as Uint8Array)].map((v) => anyValue(v.value as Uint8Array));
      case 6:
        return keyValues([...fields(f.value as Uint8Array)].map((v) => v.value as Uint8Array));
      case 7:
        return Buffer.from(f.value as Uint8Array);
    }
  }
  return undefined;
}

function keyValues(list: Uint8Array[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    let key = "";
    let value: unknown;
    for (const f of fields(kv)) {
      if (f.no === 1) key = text(f.value);
      else if (f.no === 2) value = anyValue(f.value as Uint8Array);
    }
    out[key] = value;
  }
  return out;
}

function decodeSpan(
  buf: Uint8Array,
  resource: Record<string, unknown>,
  scope: ReceivedSpan["scope"],
): ReceivedSpan {
  const span: ReceivedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    events: [],
    status: { code: 0, message: "" },
    resource,
    scope,
  };
  const attrs: Uint8Array[] = [];
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        span.traceId = hex(f.value);
        break;
      case 2:
        span.spanId = hex(f.value);
        break;
      case 4:
        span.parentSpanId = hex(f.value);
        break;
      case 5:
        span.name = text(f.value);
        break;
      case 6:
        span.kind = Math.max(0, Number(f.value) - 1);
        break;
      case 7:
        span.startTimeUnixNano = f.value as bigint;
        break;
      case 8:
        span.endTimeUnixNano = f.value as bigint;
        break;
      case 9:
        attrs.push(f.value as Uint8Array);
        break;
      case 11: {
        let name = "";
        const eventAttrs: Uint8Array[] = [];
        for (const e of fields(f.value as Uint8Array)) {
          if (e.no === 2) name = text(e.value);
          else if (e.no === 3) eventAttrs.push(e.value as Uint8Array);
        }
        span.events.push({ name, attributes: keyValues(eventAttrs) });
        break;
      }
      case 15:
        for (const s of fields(f.value as Uint8Array)) {
          if (s.no === 2) span.status.message = text(s.value);
          else if (s.no === 3) span.status.code = Number(s.value);
        }
        break;
    }
  }
  span.attributes = keyValues(attrs);
  return span;
}

/** Decodes a protobuf `ExportTraceServiceRequest`. */
export function decodeTraceRequest(buf: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of fields(buf)) {
    if (rs.no !== 1) continue;
    let resource: Record<string, unknown> = {};
    const scopeSpans: Uint8Array[] = [];
    for (const f of fields(rs.value as Uint8Array)) {
      if (f.no === 1)
        resource = keyValues(
          [...fields(f.value as Uint8Array)]
            .filter((a) => a.no === 1)
            .map((a) => a.value as Uint8Array),
        );
      else if (f.no === 2) scopeSpans.push(f.value as Uint8Array);
    }
    for (const ss of scopeSpans) {
      const scope = { name: "", version: "" };
      const spans: Uint8Array[] = [];
      for (const f of fields(ss)) {
        if (f.no === 1) {
          for (const s of fields(f.value as Uint8Array)) {
            if (s.no === 1) scope.name = text(s.value);
            else if (s.no === 2) scope.version = text(s.value);
          }
        } else if (f.no === 2) spans.push(f.value as Uint8Array);
      }
      for (const s of spans) out.push(decodeSpan(s, resource, scope));
    }
  }
  return out;
}

// ---- the server ------------------------------------------------------------------------------

/** Starts a receiver on 127.0.0.1 with a random port. */
export async function startOtlpReceiver(
  options: { mode?: ReceiverMode } = {},
): Promise<OtlpReceiver> {
  let mode: ReceiverMode = options.mode ?? "ok";
  const received: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string }[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (mode === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const contentType = String(req.headers["content-type"] ?? "");
      requests.push({ path: req.url ?? "", contentType });
      if (mode === "hang") return;
      if (mode === "error500") {
        res.writeHead(500).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.url === "/v1/traces") {
        if (contentType.includes("json")) {
          res.writeHead(415).end();
          return;
        }
        received.push(...decodeTraceRequest(body));
        for (const wake of waiters) wake();
      }
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  };

  let server: Server = createServer(handle);
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const stopListening = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  if (mode === "refuse") await stopListening();

  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    port,
    spans: () => [...received],
    requests: () => [...requests],
    waitForSpans(n, timeoutMs = 5000) {
      if (received.length >= n) return Promise.resolve([...received]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `waitForSpans: ${received.length} of ${n} spans after ${timeoutMs} ms: ${received.map((s) => s.name).join(", ")}`,
            ),
          );
        }, timeoutMs);
        const check = (): void => {
          if (received.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...received]);
        };
        waiters.add(check);
      });
    },
    async setMode(next) {
      if (next === mode) return;
      if (mode === "refuse") {
        server = createServer(handle);
        server.on("connection", (s) => {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
        });
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      }
      mode = next;
      if (next === "refuse") await stopListening();
    },
    clear() {
      received.length = 0;
      requests.length = 0;
    },
    async close() {
      if (mode !== "refuse") await stopListening();
      mode = "refuse";
    },
  };
}
