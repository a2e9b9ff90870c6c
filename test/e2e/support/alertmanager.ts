/**
 * A real Alertmanager (Debian's prometheus-alertmanager, installed by scripts/ensure-tools.sh) on
 * 127.0.0.1, and the webhook the test points its receivers at: an HTTP server that keeps every
 * notification it is sent, by path.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { startProcess, type RunningProcess } from "./processes.js";
import { freePort } from "./prometheus.js";

export interface Notification {
  path: string;
  body: Record<string, unknown>;
}

/** Records POSTs; `url` is its base (http://127.0.0.1:port). */
export class Webhook {
  readonly received: Notification[] = [];
  url = "";
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        this.received.push({
          path: req.url ?? "",
          body: JSON.parse(text || "{}") as Record<string, unknown>,
        });
        // PagerDuty answers 202, Slack 200 "ok"; Alertmanager accepts any 2xx.
        res.writeHead(202, { "content-type": "application/json" });
        res.end('{"status":"success"}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function alertmanagerBinary(): string {
  const candidates = [
    process.env.ALERTMANAGER_BIN,
    "/usr/bin/prometheus-alertmanager",
    "/usr/local/bin/alertmanager",
  ];
  const found = candidates.find((file): file is string => file !== undefined && existsSync(file));
  if (!found) {
    throw new Error(
      "Alertmanager is not installed: run `bash scripts/ensure-tools.sh` (Debian package `prometheus-alertmanager`), or set ALERTMANAGER_BIN",
    );
  }
  return found;
}

/** Starts Alertmanager with `configFile`, clustering off; resolves with host:port once ready. */
export async function startAlertmanager(
  dir: string,
  configFile: string,
): Promise<{ address: string; process: RunningProcess }> {
  const port = await freePort();
  const server = startProcess(
    "alertmanager",
    alertmanagerBinary(),
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, "alertmanager-data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Without this it gossips on 0.0.0.0:9094.
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    process.env,
  );
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (server.exit !== undefined)
      throw new Error(`alertmanager exited ${JSON.stringify(server.exit)}:\n${server.output}`);
    const ready = await fetch(`http://${address}/-/ready`).catch(() => undefined);
    if (ready?.status === 200) return { address, process: server };
    if (Date.now() > deadline) throw new Error(`alertmanager not ready in 20 s:\n${server.output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
