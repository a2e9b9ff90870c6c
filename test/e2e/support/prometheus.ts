/**
 * A real Prometheus server for the end-to-end test: started from Debian's `prometheus` package
 * (installed by scripts/ensure-tools.sh) on 127.0.0.1 with a temporary data directory, and a
 * client for the parts of its HTTP API the test uses.
 */
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { stringify } from "yaml";
import { startProcess, type RunningProcess } from "./processes.js";

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}
export interface Alert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
  value: string;
}
export interface LoadedRule {
  name: string;
  type: string;
  health: string;
  lastError?: string;
}

function prometheusBinary(): string {
  const candidates = [
    process.env.PROMETHEUS_BIN,
    "/usr/bin/prometheus",
    "/usr/local/bin/prometheus",
  ];
  const found = candidates.find((file): file is string => file !== undefined && existsSync(file));
  if (found === undefined) {
    throw new Error(
      "prometheus is not installed: run `bash scripts/ensure-tools.sh` (Debian package `prometheus`), or set PROMETHEUS_BIN",
    );
  }
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ScrapeJob {
  jobName: string;
  /** host:port */
  target: string;
  /** Target labels, as the Prometheus Operator adds them from the ServiceMonitor's Service. */
  labels: Record<string, string>;
  metricsPath: string;
  /** Scraped labels win over target labels of the same name (otherwise they become exported_<name>). */
  honorLabels: boolean;
}

/** One `scrape_configs` entry for `job`: a static target with its labels, scraped every `intervalSeconds`. */
export function scrapeConfig(job: ScrapeJob, intervalSeconds: number): Record<string, unknown> {
  const interval = `${intervalSeconds}s`;
  return {
    job_name: job.jobName,
    metrics_path: job.metricsPath,
    honor_labels: job.honorLabels,
    scrape_interval: interval,
    scrape_timeout: interval,
    static_configs: [{ targets: [job.target], labels: job.labels }],
  };
}

export class Prometheus {
  private constructor(
    readonly url: string,
    readonly process: RunningProcess,
  ) {}

  /** Writes prometheus.yml and the rule file into `dir` and starts the server; resolves once ready. */
  static async start(options: {
    dir: string;
    job: ScrapeJob;
    ruleFile: string;
    intervalSeconds: number;
    /** host:port of an Alertmanager to send firing alerts to (API v2). */
    alertmanager?: string;
  }): Promise<Prometheus> {
    const { dir, job, intervalSeconds } = options;
    const interval = `${intervalSeconds}s`;
    writeFileSync(path.join(dir, "rules.yml"), options.ruleFile);
    return Prometheus.launch({
      dir,
      config: {
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: [path.join(dir, "rules.yml")],
        ...(options.alertmanager === undefined
          ? {}
          : {
              alerting: {
                alertmanagers: [
                  { api_version: "v2", static_configs: [{ targets: [options.alertmanager] }] },
                ],
              },
            }),
        scrape_configs: [scrapeConfig(job, intervalSeconds)],
      },
    });
  }

  /**
   * Starts a server with `config` as its prometheus.yml (in `dir`, which also holds its data) and
   * `flags` added to the command line; resolves once ready.
   */
  static async launch(options: {
    dir: string;
    config: Record<string, unknown>;
    flags?: string[];
  }): Promise<Prometheus> {
    const { dir } = options;
    writeFileSync(path.join(dir, "prometheus.yml"), stringify(options.config));
    const port = await freePort();
    const server = startProcess(
      "prometheus",
      prometheusBinary(),
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
        ...(options.flags ?? []),
      ],
      process.env,
    );
    const prometheus = new Prometheus(`http://127.0.0.1:${port}`, server);
    await prometheus.waitFor("Prometheus to be ready", 20_000, async () => {
      if (server.exit !== undefined)
        throw new Error(`prometheus exited ${JSON.stringify(server.exit)}:\n${server.output}`);
      const response = await fetch(`${prometheus.url}/-/ready`).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    });
    return prometheus;
  }

  private async api<T>(endpoint: string, params: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${endpoint}`, {
      method: "POST",
      body: new URLSearchParams(params),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json()) as { status: string; data: T; error?: string };
    if (json.status !== "success") {
      throw new Error(`Prometheus ${endpoint} ${JSON.stringify(params)}: ${json.error}`);
    }
    return json.data;
  }

  /** Instant query at `time` (seconds; default now). Returns the vector (a scalar as one sample). */
  async query(expr: string, time?: number): Promise<VectorSample[]> {
    const params: Record<string, string> = { query: expr };
    if (time !== undefined) params.time = time.toFixed(3);
    const data = await this.api<{ resultType: string; result: unknown }>("query", params);
    if (data.resultType === "scalar")
      return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as VectorSample[];
  }

  /** One number: the only sample of an instant query (throws unless there is exactly one). */
  async value(expr: string, time?: number): Promise<number> {
    const result = await this.query(expr, time);
    if (result.length !== 1)
      throw new Error(`expected one sample for ${expr}, got ${JSON.stringify(result)}`);
    return Number(result[0]!.value[1]);
  }

  /** Instant query of a range selector: the raw samples in the window ending at `time`. */
  async samples(expr: string, time: number): Promise<MatrixSeries[]> {
    const data = await this.api<{ result: MatrixSeries[] }>("query", {
      query: expr,
      time: time.toFixed(3),
    });
    return data.result;
  }

  async queryRange(
    expr: string,
    start: number,
    end: number,
    step: number,
  ): Promise<MatrixSeries[]> {
    const data = await this.api<{ result: MatrixSeries[] }>("query_range", {
      query: expr,
      start: start.toFixed(3),
      end: end.toFixed(3),
      step: String(step),
    });
    return data.result;
  }

  async alerts(): Promise<Alert[]> {
    const response = await fetch(`${this.url}/api/v1/alerts`, {
      signal: AbortSignal.timeout(10_000),
    });
    return ((await response.json()) as { data: { alerts: Alert[] } }).data.alerts;
  }

  async rules(): Promise<LoadedRule[]> {
    const response = await fetch(`${this.url}/api/v1/rules`, {
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json()) as { data: { groups: { rules: LoadedRule[] }[] } };
    return json.data.groups.flatMap((group) => group.rules);
  }

  /** Polls `check` every `intervalMs` until it returns a value other than `undefined`. */
  async waitFor<T>(
    what: string,
    timeoutMs: number,
    check: () => Promise<T | undefined>,
    intervalMs = 200,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const result = await check();
        if (result !== undefined) return result;
      } catch (error) {
        last = error;
        if (String(error).includes("prometheus exited")) throw error;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
