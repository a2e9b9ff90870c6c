/**
 * Finding #4: the kube-prometheus-stack values configured no receiver, so every alert went to "null".
 * The shipped route is checked with the real Alertmanager's own tools (amtool from Debian's
 * prometheus-alertmanager): it loads, and each severity reaches the receiver the docs promise —
 * including the SLO alerts (separate rule files, severity critical = page, warning = ticket) and the
 * alerts kube-prometheus-stack brings. Delivery itself: test/e2e/alertmanager.test.ts.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTestCopy } from "./support/alertmanager-config.js";
import { run, runTool, toolPath } from "./support/tools.js";

let configFile: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "crisislen-amtool-"));
  configFile = writeTestCopy({
    dir,
    secrets: {
      "pagerduty-routing-key": "0123456789abcdef0123456789abcdef",
      "slack-webhook-url": "http://127.0.0.1:9/slack",
    },
  });
});

/** The receiver(s) amtool says an alert with these labels reaches. */
async function receiverOf(labels: Record<string, string>): Promise<string> {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const out = await runTool("amtool", [
    "config",
    "routes",
    "test",
    `--config.file=${configFile}`,
    ...args,
  ]);
  return out.trim();
}

describe("the shipped Alertmanager route (amtool)", () => {
  it("passes amtool check-config with two real receivers and the null sink", async () => {
    const result = await run(toolPath("amtool"), ["check-config", configFile]);
    expect(result.stderr + result.stdout).toContain("SUCCESS");
    expect(result.stdout).toContain(" - 3 receivers");
    expect(result.code).toBe(0);
  });

  it.each([
    [
      { alertname: "APIDown", severity: "critical", namespace: "crisislen", job: "crisislen-api" },
      "page",
    ],
    [{ alertname: "HighErrorRate", severity: "critical", namespace: "crisislen" }, "page"],
    [{ alertname: "HighCPUUsage", severity: "warning", namespace: "crisislen" }, "ticket"],
    // The SLO burn-rate alerts: fast burn pages, slow burn opens a ticket.
    [{ alertname: "CrisisLensErrorBudgetBurn", severity: "critical", slo: "availability" }, "page"],
    [
      { alertname: "CrisisLensErrorBudgetBurn", severity: "warning", slo: "availability" },
      "ticket",
    ],
    // Unclassified alerts are not dropped; the stack's heartbeat and info alerts are.
    [{ alertname: "SomethingNew" }, "ticket"],
    [{ alertname: "Watchdog", severity: "none" }, "null"],
    [{ alertname: "InfoInhibitor", severity: "none" }, "null"],
    [{ alertname: "KubeletTooManyPods", severity: "info" }, "null"],
  ])("routes %j to %s", async (labels, receiver) => {
    expect(await receiverOf(labels)).toBe(receiver);
  });
});
