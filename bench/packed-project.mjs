// The package as a user installs it: `npm pack` of the built tree, installed from the tarball
// into a fresh project outside the repository together with the frameworks, the peers compared
// against and the plain OpenTelemetry packages, at the exact versions of the repository's
// node_modules (`--prefer-offline`: they come from npm's cache). The benchmark servers are
// copied into it, so every configuration, bare frameworks included, resolves from there.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");

/** What the servers `require`, besides the package itself. */
const INSTALLED = [
  "fastify",
  "express",
  "prom-client",
  "@opentelemetry/api",
  "fastify-metrics",
  "@promster/fastify",
  "@promster/express",
  "express-prom-bundle",
  "@opentelemetry/sdk-trace-node",
  "@opentelemetry/sdk-trace-base",
  "@opentelemetry/instrumentation",
  "@opentelemetry/instrumentation-http",
  "@fastify/otel",
];

/** The files the servers are made of. */
export const SERVER_FILES = ["server.mjs", "server-modes.mjs", "server-tracing.mjs"];

const versionInRepo = (name) =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;

/** npm's environment minus the variables `npm run` sets, so the install is a plain one. */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

/** Packs, installs, copies the servers; returns the project directory. */
export async function createPackedProject() {
  const dir = mkdtempSync(join(tmpdir(), "crisislen-bench-"));
  // --ignore-scripts: `npm run bench` has just built dist/; the prepack build would print its
  // log into the JSON that npm pack writes on stdout.
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", dir],
    {
      cwd: root,
      env: cleanEnv(),
    },
  );
  const [info] = JSON.parse(stdout);
  const dependencies = { "@crisislen/observability": `file:${join(dir, info.filename)}` };
  for (const name of INSTALLED) dependencies[name] = versionInRepo(name);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "crisislen-bench", private: true, type: "module", dependencies }),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    env: cleanEnv(),
  });
  mkdirSync(join(dir, "bench"));
  for (const file of SERVER_FILES)
    copyFileSync(join(root, "bench", file), join(dir, "bench", file));
  return dir;
}
