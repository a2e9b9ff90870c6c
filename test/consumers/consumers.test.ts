/**
 * The published package as a user gets it: `npm pack` of the built tree, installed from the
 * tarball into fresh projects outside this repository (so nothing resolves from our own
 * node_modules), compiled by tsc against the tarball's types, and run.
 *
 * Consumer apps: ESM and CommonJS output of TypeScript `module: nodenext`, TC39 standard and
 * legacy (`experimentalDecorators`) decorators, Fastify 5 and Express 5, each pair of those
 * combined at least once. Fastify 4 and Express 4 run in-repo under the `fastify4`/`express4`
 * aliases (test/fastify.test.ts, test/express.test.ts, test/health, test/shutdown).
 *
 * Installs use the exact framework and peer versions of this repo's node_modules with
 * `--prefer-offline`, so they come from npm's cache.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const APPS = join(import.meta.dirname, "apps");
const TSC = join(ROOT, "node_modules/.bin/tsc");
const PACKAGE = "@crisislen/observability";

/** The environment of every child: ours without npm's lifecycle and OpenTelemetry variables. */
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|OTEL_)/i.test(key)),
);

function versionInRepo(name: string): string {
  const manifest = join(ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

const DIST_FILES = ["index", "register"].flatMap((entry) =>
  ["js", "js.map", "cjs", "cjs.map", "d.ts", "d.cts"].map((ext) => `dist/${entry}.${ext}`),
);

type Project = "full" | "express-only";

interface Variant {
  name: string;
  moduleSystem: "esm" | "cjs";
  decorators: "standard" | "legacy";
  framework: "fastify" | "express";
  project: Project;
  /** `false` also type-checks our declaration files (and the frameworks'). */
  skipLibCheck: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: "esm-standard-fastify",
    moduleSystem: "esm",
    decorators: "standard",
    framework: "fastify",
    project: "full",
    skipLibCheck: false,
  },
  {
    name: "cjs-legacy-fastify",
    moduleSystem: "cjs",
    decorators: "legacy",
    framework: "fastify",
    project: "full",
    skipLibCheck: true,
  },
  {
    name: "esm-legacy-express",
    moduleSystem: "esm",
    decorators: "legacy",
    framework: "express",
    project: "full",
    skipLibCheck: true,
  },
  {
    name: "cjs-standard-express",
    moduleSystem: "cjs",
    decorators: "standard",
    framework: "express",
    project: "full",
    skipLibCheck: true,
  },
  {
    name: "esm-standard-express-without-fastify",
    moduleSystem: "esm",
    decorators: "standard",
    framework: "express",
    project: "express-only",
    skipLibCheck: true,
  },
];

interface PackedFile {
  path: string;
  mode: number;
}

let work = "";
let tarball = "";
let packedFiles: PackedFile[] = [];
const projects = new Map<Project, string>();
const compiled = new Map<string, Promise<{ appDir: string; files: string }>>();

async function install(project: Project): Promise<string> {
  const dir = join(work, project);
  mkdirSync(dir);
  const peers = [
    "prom-client",
    "@opentelemetry/api",
    "express",
    "@types/express",
    "@types/node",
    "pino",
    "pino-http",
  ];
  if (project === "full") peers.push("fastify");
  const dependencies: Record<string, string> = { [PACKAGE]: `file:${tarball}` };
  for (const name of peers) dependencies[name] = versionInRepo(name);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${project}`, private: true, dependencies }, null, 2),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    env: childEnv,
  });
  return dir;
}

/** Writes the variant's project (package.json type, tsconfig, the app) and compiles it. */
async function compile(variant: Variant): Promise<{ appDir: string; files: string }> {
  const appDir = join(projects.get(variant.project) ?? "", "apps", variant.name);
  mkdirSync(join(appDir, "src"), { recursive: true });
  copyFileSync(join(APPS, `${variant.framework}-app.ts`), join(appDir, "src/app.ts"));
  writeFileSync(
    join(appDir, "package.json"),
    JSON.stringify({ type: variant.moduleSystem === "esm" ? "module" : "commonjs" }),
  );
  const legacy = variant.decorators === "legacy";
  writeFileSync(
    join(appDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        skipLibCheck: variant.skipLibCheck,
        experimentalDecorators: legacy,
        emitDecoratorMetadata: legacy,
        types: ["node"],
        rootDir: "src",
        outDir: "dist",
      },
      files: ["src/app.ts"],
    }),
  );
  try {
    const { stdout } = await run(TSC, ["-p", appDir, "--listFiles"], { cwd: appDir });
    return { appDir, files: stdout };
  } catch (error) {
    const { stdout = "" } = error as { stdout?: string };
    throw new Error(
      `tsc failed for ${variant.name}:\n${stdout
        .split("\n")
        .filter((l) => l.includes("error"))
        .join("\n")}`,
    );
  }
}

beforeAll(async () => {
  const missing = DIST_FILES.filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(
      `the consumer tests pack the built package, but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing: run \`npm run build\` first (scripts/test.sh builds before vitest)`,
    );
  }
  work = mkdtempSync(join(tmpdir(), "crisislen-consumers-"));
  // --ignore-scripts: dist/ is built already (checked above); the prepack build would rebuild it
  // under the other test files that read it.
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", work],
    {
      cwd: ROOT,
      env: childEnv,
    },
  );
  const [info] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  tarball = join(work, info.filename);
  packedFiles = info.files;
  const installed = await Promise.all([install("full"), install("express-only")]);
  projects.set("full", installed[0]);
  projects.set("express-only", installed[1]);
  for (const variant of VARIANTS) {
    const pending = compile(variant);
    pending.catch(() => undefined); // reported by the variant's own test
    compiled.set(variant.name, pending);
  }
  await Promise.allSettled(compiled.values());
}, 240_000); // npm installs two projects: 80–120 s on a loaded 2-core machine

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  it("holds the build, its types and maps, deploy/, docs/, the README and what it links to, and nothing else", () => {
    const paths = packedFiles.map((file) => file.path).sort();
    const outsideFolders = paths.filter((path) => !/^(deploy|docs)\//.test(path));
    expect(outsideFolders).toEqual(
      [
        ...DIST_FILES,
        "ARCHITECTURE.md",
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "RELIABILITY.md",
        "bench/results/http.svg",
        "package.json",
      ].sort(),
    );
    // docs/ is what the README links to: Markdown only (test/repo/readme-links.test.ts).
    expect(paths.filter((path) => path.startsWith("docs/") && !path.endsWith(".md"))).toEqual([]);
    // deploy/ ships whole (its promtool rule tests included: users run them on edited alerts);
    // the asserts below pin its main pieces and keep development leftovers out.
    expect(paths).toEqual(
      expect.arrayContaining([
        "deploy/README.md",
        "deploy/scripts/deploy.sh",
        "deploy/helm/crisislen/Chart.yaml",
        "deploy/helm/crisislen/values.yaml",
        "deploy/helm/crisislen/values-production.yaml",
        "deploy/monitoring/grafana/crisislen-overview.json",
        "deploy/monitoring/prometheus/prometheusrule.yaml",
        "deploy/monitoring/prometheus/servicemonitor.yaml",
      ]),
    );
    expect(
      paths.filter((path) => /(^|\/)(\.cache|fixtures|node_modules|coverage)\/|\.tgz$/.test(path)),
    ).toEqual([]);
    const deployScript = packedFiles.find((file) => file.path === "deploy/scripts/deploy.sh");
    expect((deployScript?.mode ?? 0) & 0o111, "deploy.sh is executable").not.toBe(0);
  });

  it.each(["esm", "cjs"] as const)(
    "%s: the root loads neither fastify, express nor the OpenTelemetry SDK, and exports the same names",
    async (moduleSystem) => {
      const dir = projects.get("full") ?? "";
      copyFileSync(join(APPS, "check-load.mjs"), join(dir, "check-load.mjs"));
      copyFileSync(join(APPS, "load-log-hooks.mjs"), join(dir, "load-log-hooks.mjs"));
      const log = join(dir, `load-${moduleSystem}.log`);
      writeFileSync(log, "");
      const args = ["check-load.mjs", ...(moduleSystem === "cjs" ? ["--cjs"] : [])];
      const { stdout } = await run(process.execPath, args, {
        cwd: dir,
        env: { ...childEnv, LOAD_LOG: log },
      });
      const report = JSON.parse(stdout) as {
        exports: string[];
        resolved: string;
        loaded: string[];
      };
      expect(report.resolved).toMatch(
        moduleSystem === "esm"
          ? /\/node_modules\/@crisislen\/observability\/dist\/index\.js$/
          : /\/node_modules\/@crisislen\/observability\/dist\/index\.cjs$/,
      );
      const forbidden = report.loaded.filter((file) =>
        /\/node_modules\/(fastify\/|express\/|@fastify\/otel\/|@opentelemetry\/(?!api\/))/.test(
          file,
        ),
      );
      expect(forbidden).toEqual([]);
      expect(report.loaded.some((file) => file.includes("/node_modules/prom-client/"))).toBe(true);
      expect(report.exports).toEqual(
        expect.arrayContaining([
          "metricsPlugin",
          "metricsMiddleware",
          "metricsHandler",
          "metrics",
          "instrumentApp",
          "traceFunction",
        ]),
      );
      expect(report.exports).not.toContain("default");
    },
  );

  it("esm and cjs builds export exactly the same names", async () => {
    const dir = projects.get("full") ?? "";
    const script =
      "const c = Object.keys(require(process.argv[1])).sort();" +
      "import(process.argv[1]).then((m) => console.log(JSON.stringify([c, Object.keys(m).sort()])));";
    const { stdout } = await run(process.execPath, ["-e", script, PACKAGE], {
      cwd: dir,
      env: childEnv,
    });
    const [cjs, esm] = JSON.parse(stdout) as [string[], string[]];
    expect(esm).toEqual(cjs);
  });

  it.each(["--import", "--require"])(
    "the register preload starts tracing under node %s",
    async (flag) => {
      const dir = projects.get("full") ?? "";
      const script =
        'const { trace } = require("@opentelemetry/api");' +
        "console.log(trace.getTracerProvider().getDelegate().constructor.name);";
      const { stdout, stderr } = await run(
        process.execPath,
        [flag, `${PACKAGE}/register`, "-e", script],
        {
          cwd: dir,
          env: { ...childEnv, OTEL_TRACES_EXPORTER: "none", OTEL_SERVICE_NAME: "preload" },
        },
      );
      expect(stderr).toBe("");
      expect(stdout.trim()).not.toBe("NoopTracerProvider");
    },
  );
});

interface AppReport {
  address: string;
  moduleSystem: string;
  tracing: boolean;
}

async function runApp(variant: Variant, appDir: string, otlpPort: number, logFile: string) {
  const child = spawn(process.execPath, [join(appDir, "dist/app.js")], {
    cwd: projects.get(variant.project),
    env: {
      ...childEnv,
      CONSUMER_NAME: variant.name,
      LOG_FILE: logFile,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const report = await new Promise<AppReport>((done, fail) => {
    const poll = setInterval(() => {
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line !== undefined) {
        clearInterval(poll);
        done(JSON.parse(line) as AppReport);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      fail(new Error(`${variant.name} exited with ${code} before listening:\n${stderr}`));
    });
  });
  const get = async (path: string) => {
    const response = await fetch(`${report.address}${path}`);
    return { status: response.status, body: await response.text() };
  };
  const stop = async () => {
    child.stdin.end();
    const code = await exited;
    clearTimeout(killer);
    return { code, stdout, stderr };
  };
  return { report, get, stop };
}

describe.each(VARIANTS)("consumer app $name", (variant) => {
  it(`compiles against the tarball's ${variant.moduleSystem === "esm" ? "index.d.ts" : "index.d.cts"} and emits ${variant.moduleSystem} with ${variant.decorators} decorators`, async () => {
    const { appDir, files } = await (compiled.get(variant.name) ??
      Promise.reject(new Error("not compiled")));
    const types = variant.moduleSystem === "esm" ? "dist/index.d.ts" : "dist/index.d.cts";
    expect(files).toContain(`/node_modules/${PACKAGE}/${types}`);
    const js = readFileSync(join(appDir, "dist/app.js"), "utf8");
    if (variant.moduleSystem === "esm") expect(js).toContain(`from "${PACKAGE}"`);
    else expect(js).toContain(`require("${PACKAGE}")`);
    expect(js).toContain(variant.decorators === "legacy" ? "__decorate(" : "__esDecorate(");
  });

  it(`serves a request on ${variant.framework}, counts it in /metrics, exports the process_claim span and logs each line with the ids of its span`, async () => {
    const { appDir } = await (compiled.get(variant.name) ??
      Promise.reject(new Error("not compiled")));
    const receiver = await startOtlpReceiver();
    try {
      const logFile = join(appDir, "app.log");
      const app = await runApp(variant, appDir, receiver.port, logFile);
      expect(app.report).toMatchObject({ moduleSystem: variant.moduleSystem, tracing: true });
      expect(await app.get("/claims/7")).toEqual({ status: 200, body: '{"id":"7","risk":0.42}' });
      expect(await app.get("/internal/ping")).toEqual({ status: 200, body: "pong" });
      const exposition = await app.get("/metrics");
      expect(exposition.status).toBe(200);
      const lines = exposition.body.split("\n");
      expect(lines).toContain(
        'http_requests_total{method="GET",endpoint="/claims/:id",status="200"} 1',
      );
      expect(lines).toContain("crisislen_items_processed_total 1");
      expect(lines).toContain('crisislen_risk_score_bucket{le="0.5"} 1');
      expect(exposition.body).toMatch(
        /http_request_duration_seconds_count\{[^}]*endpoint="\/claims\/:id"[^}]*\} 1\n/,
      );
      expect(exposition.body).not.toContain("/internal/ping");
      const { code, stderr } = await app.stop();
      expect(stderr).toBe("");
      expect(code).toBe(0);

      const spans = await receiver.waitForSpans(2, 5_000);
      const claim = spans.find((span) => span.name === "process_claim");
      expect(claim, `spans: ${spans.map((s) => s.name).join(", ")}`).toBeDefined();
      const server = spans.find((span) => span.kind === 1 && span.traceId === claim?.traceId);
      expect(server?.name).toBe("GET /claims/:id");
      expect(claim?.parentSpanId).not.toBe("");
      expect(claim?.scope.name).toBe(PACKAGE);
      expect(claim?.resource["service.name"]).toBe(variant.name);

      // traceLogFields as the logger's mixin: each line carries the span it was written in.
      const logs = readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const logged = (msg: string) => logs.find((line) => line.msg === msg);
      const fields = (line: Record<string, unknown> | undefined) => ({
        trace_id: line?.trace_id,
        span_id: line?.span_id,
        trace_flags: line?.trace_flags,
      });
      expect(fields(logged("claim requested"))).toEqual({
        trace_id: server?.traceId,
        span_id: server?.spanId,
        trace_flags: "01",
      });
      expect(fields(logged("processing claim"))).toEqual({
        trace_id: server?.traceId,
        span_id: claim?.spanId,
        trace_flags: "01",
      });
      expect(logged("ready")).toBeDefined();
      expect(fields(logged("ready"))).toEqual({
        trace_id: undefined,
        span_id: undefined,
        trace_flags: undefined,
      });
    } finally {
      await receiver.close();
    }
  });
});
