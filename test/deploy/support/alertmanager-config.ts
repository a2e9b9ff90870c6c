/**
 * The Alertmanager configuration deploy/ ships (kube-prometheus-stack-values.yaml, `alertmanager.config`),
 * and a runnable copy of it for a local Alertmanager: the credential files the cluster mounts from the
 * Secret are written to a temp dir instead, and the receivers' endpoints point at a test webhook. The
 * route, matchers, grouping, receivers and payload templates stay exactly as shipped.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { monitoringDir } from "./paths.js";

export const stackValuesFile = path.join(monitoringDir, "kube-prometheus-stack-values.yaml");
/** Where the Prometheus Operator mounts `alertmanagerSpec.secrets` entries. */
export const SECRETS_MOUNT = "/etc/alertmanager/secrets/";

export interface Receiver {
  name: string;
  pagerduty_configs?: Record<string, unknown>[];
  slack_configs?: Record<string, unknown>[];
  [other: string]: unknown;
}

export interface AlertmanagerConfig {
  global?: Record<string, unknown>;
  route: Record<string, unknown>;
  inhibit_rules?: unknown[];
  receivers: Receiver[];
}

export function shippedAlertmanagerConfig(): AlertmanagerConfig {
  const values = parse(readFileSync(stackValuesFile, "utf8")) as {
    alertmanager?: { config?: AlertmanagerConfig };
  };
  const config = values.alertmanager?.config;
  if (!config) throw new Error(`${stackValuesFile} configures no alertmanager.config`);
  return config;
}

export interface TestCopyOptions {
  dir: string;
  /** Content of each mounted secret key, by key (e.g. "pagerduty-routing-key"). */
  secrets: Record<string, string>;
  /** Replaces PagerDuty's Events API URL (not a secret; the routing key is). */
  pagerdutyUrl?: string;
  /** Route timings for a test (the shipped group_wait is 30 s). */
  timings?: { group_wait: string; group_interval: string; repeat_interval: string };
}

/** Writes alertmanager.yml into `dir`; returns its path. */
export function writeTestCopy(options: TestCopyOptions): string {
  const config = structuredClone(shippedAlertmanagerConfig());
  let text = JSON.stringify(config);
  for (const match of text.matchAll(/"[a-z_]+_file":"([^"]+)"/g)) {
    const mounted = match[1]!;
    if (!mounted.startsWith(SECRETS_MOUNT))
      throw new Error(`not from the mounted Secret: ${mounted}`);
    const key = path.basename(mounted);
    const value = options.secrets[key];
    if (value === undefined) throw new Error(`no test value for secret key ${key}`);
    const local = path.join(options.dir, `secret-${key}`);
    writeFileSync(local, value);
    text = text.replaceAll(`"${mounted}"`, JSON.stringify(local));
  }
  const copy = JSON.parse(text) as AlertmanagerConfig;
  if (options.timings) Object.assign(copy.route, options.timings);
  if (options.pagerdutyUrl) {
    for (const receiver of copy.receivers)
      for (const pagerduty of receiver.pagerduty_configs ?? [])
        pagerduty.url = options.pagerdutyUrl;
  }
  const file = path.join(options.dir, "alertmanager.yml");
  writeFileSync(file, stringify(copy));
  return file;
}
