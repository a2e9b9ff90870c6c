/**
 * The package loaded three times in one process — the ESM build, the CJS build, and a second
 * installed version (a copy of dist/ with its own package.json, resolving prom-client and
 * OpenTelemetry from the repo through a symlinked node_modules) — shares one registry and one
 * tracer provider: one exposition with everyone's metrics, no "already registered", and spans
 * from every copy in one exporter.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, select, valueOf } from "../support/exposition.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { promtoolValid } from "./support.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIST = path.join(ROOT, "dist");
const FIXTURE = path.join(import.meta.dirname, "fixtures/dual-load.mjs");

interface Observed {
  distinctModules: number;
  sameRegistry: boolean;
  registryIsPromClientGlobal: boolean;
  sameProvider: boolean;
  enabled: boolean[];
  expositions: Record<"esm" | "cjs" | "second", string>;
  warnings: string[];
  errors: string[];
}

let secondDir: string;
let receiver: OtlpReceiver;
let observed: Observed;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`fixture exited ${code}:\n${stderr}${stdout}`));
    });
  });
}

beforeAll(async () => {
  for (const file of ["index.js", "index.cjs"]) {
    if (!existsSync(path.join(DIST, file))) {
      throw new Error(
        `dist/${file} is missing: this test loads the built package. Run \`npm run build\` first (npm test does).`,
      );
    }
  }
  const root = await mkdtemp(path.join(tmpdir(), "crisislen-second-copy-"));
  secondDir = path.join(root, "observability");
  await cp(DIST, path.join(secondDir, "dist"), {
    recursive: true,
    filter: (source) => !source.endsWith(".map"),
  });
  await writeFile(
    path.join(secondDir, "package.json"),
    JSON.stringify({
      name: "@crisislen/observability",
      version: "0.0.0-second-copy",
      type: "module",
      exports: {
        ".": { import: "./dist/index.js", require: "./dist/index.cjs" },
      },
    }),
  );
  // The second copy finds prom-client, fastify-plugin and the OpenTelemetry packages where an
  // installed version would: its own node_modules (here, the repo's).
  await symlink(path.join(ROOT, "node_modules"), path.join(secondDir, "node_modules"), "dir");
  receiver = await startOtlpReceiver();
  const stdout = await run([FIXTURE, DIST, secondDir], {
    ...process.env,
    OTLP_URL: receiver.url,
    OTEL_TRACES_EXPORTER: "",
    OTEL_SDK_DISABLED: "",
  });
  observed = JSON.parse(stdout.trim().split("\n").at(-1)!) as Observed;
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  if (secondDir) await rm(path.dirname(secondDir), { recursive: true, force: true });
});

describe("the package loaded three times (ESM build, CJS build, a second installed copy)", () => {
  it("loads three distinct module instances without an error or an 'already registered'", () => {
    expect(observed.distinctModules).toBe(3);
    expect(observed.errors).toEqual([]);
    expect(observed.warnings.filter((w) => /already registered|conflict/i.test(w))).toEqual([]);
  });

  it("shares one registry — prom-client's global one — across the three copies", () => {
    expect(observed.sameRegistry).toBe(true);
    expect(observed.registryIsPromClientGlobal).toBe(true);
  });

  it("serves everyone's metrics in one valid exposition, the same from every copy's route", async () => {
    const { esm, cjs, second } = observed.expositions;
    // Process metrics (CPU, memory, event loop) move between two scrapes; ours must not.
    const ours = (text: string): string[] =>
      text.split("\n").filter((line) => /^(# (HELP|TYPE) )?(http_|crisislen_|user_)/.test(line));
    expect(ours(esm).length).toBeGreaterThan(0);
    expect(ours(cjs)).toEqual(ours(esm));
    expect(ours(second)).toEqual(ours(esm));
    expect(await promtoolValid(esm)).toEqual([]);
    const samples = parseExposition(esm);
    expect(
      select(samples, "http_requests_total")
        .map((s) => `${s.labels.method} ${s.labels.endpoint} ${s.labels.status} ${s.value}`)
        .sort(),
    ).toEqual(["GET /cjs/:id 200 1", "GET /esm/:id 200 1", "GET /second/:id 200 1"]);
    expect(valueOf(samples, "crisislen_items_processed_total")).toBe(3);
    expect(valueOf(samples, "user_jobs_total")).toBe(7);
    // One family each: no copy registered its own duplicate.
    const helpLines = esm.split("\n").filter((line) => line.startsWith("# HELP "));
    expect(helpLines.length).toBe(new Set(helpLines).size);
    for (const runtimeHealth of [
      "nodejs_eventloop_utilization_ratio",
      "nodejs_heap_size_limit_bytes",
    ])
      expect(esm.split("\n"), runtimeHealth).toContain(`# TYPE ${runtimeHealth} gauge`);
  });

  it("starts one tracer provider, and spans from every copy reach its one exporter", async () => {
    expect(observed.sameProvider).toBe(true);
    expect(observed.enabled).toEqual([true, true, true]);
    const spans = receiver.spans();
    // Server and internal spans; the fixture's own fetch calls add one client span each.
    const names = spans
      .filter((s) => s.kind !== 2)
      .map((s) => s.name)
      .sort();
    expect(spans.filter((s) => s.kind === 2)).toHaveLength(6);
    expect(names).toEqual([
      "GET /cjs/:id",
      "GET /esm/:id",
      "GET /second/:id",
      "work_cjs",
      "work_esm",
      "work_second",
    ]);
    expect(new Set(spans.map((s) => s.resource["service.name"]))).toEqual(new Set(["dual-load"]));
    // Each work span is a child of its request's server span.
    for (const name of ["esm", "cjs", "second"]) {
      const server = spans.find((s) => s.name === `GET /${name}/:id`)!;
      const work = spans.find((s) => s.name === `work_${name}`)!;
      expect(work.traceId).toBe(server.traceId);
      expect(work.parentSpanId).toBe(server.spanId);
    }
  });
});
