/**
 * The arrows between src/ folders are lint rules (eslint.layers.mjs), not comments: imports that
 * break them are linted here, with the repository's own eslint config, as if they sat in src/.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

// The real config, minus type information: the import rules need none, and a file that is not
// on disk is not in the TypeScript project.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    files: ["src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: false } },
    rules: { "@typescript-eslint/no-floating-promises": "off" },
  },
});

async function importErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports")
    .map((m) => m.message);
}

const use = (specifier: string) => `import * as m from "${specifier}";\nexport const x = m;\n`;

describe("layering lint", () => {
  it("rejects the fixture: the metrics core importing the Fastify plugin", async () => {
    const fixture = readFileSync(
      path.join(ROOT, "test/fixtures/layering/metrics-imports-fastify.ts"),
      "utf8",
    );
    expect(await importErrors("src/metrics/wrong.ts", fixture)).toEqual([
      expect.stringContaining("src/metrics/ may import only src/kernel/"),
    ]);
  });

  it.each([
    ["src/kernel/x.ts", "../metrics/registry.js", "src/kernel/ may import only its own files"],
    ["src/metrics/x.ts", "../tracing/state.js", "src/metrics/ may import only src/kernel/"],
    ["src/metrics/x.ts", "fastify", "must not load Fastify or Express"],
    ["src/http/x.ts", "../express/metrics.js", "src/http/ may import only"],
    ["src/http/x.ts", "express", "must not load Fastify or Express"],
    ["src/http/x.ts", "@opentelemetry/sdk-trace-base", "must not load the OpenTelemetry SDK"],
    ["src/exposition/x.ts", "../tracing/provider.js", "src/exposition/ may import only"],
    ["src/exposition/x.ts", "@opentelemetry/instrumentation-http", "OpenTelemetry SDK"],
    ["src/health/x.ts", "../http/setup.js", "src/health/ may import only src/kernel/"],
    ["src/metrics/x.ts", "../index.js", "src/metrics/ may import only"],
    ["src/fastify/x.ts", "../express/tracing.js", "src/fastify/ may import only"],
    ["src/fastify/x.ts", "express", "never loads Express"],
    ["src/express/x.ts", "../fastify/health.js", "src/express/ may import only"],
    ["src/express/x.ts", "fastify-plugin", "never loads Fastify"],
    ["src/tracing/x.ts", "../fastify/tracing.js", "src/tracing/ may import only src/kernel/"],
    ["src/tracing/x.ts", "fastify", "must not load a framework"],
    [
      "src/tracing/trace-function.ts",
      "@opentelemetry/sdk-trace-base",
      "traceFunction and traceLogFields import only",
    ],
    ["src/tracing/trace-function.ts", "./state.js", "traceFunction and traceLogFields import only"],
    [
      "src/tracing/trace-function.ts",
      "../metrics/registry.js",
      "traceFunction and traceLogFields import only",
    ],
    [
      "src/tracing/log-correlation.ts",
      "@opentelemetry/sdk-trace-base",
      "traceFunction and traceLogFields import only",
    ],
    ["src/tracing/instrument-app.ts", "../fastify/metrics.js", "instrumentApp may import only"],
  ])("rejects %s importing %s", async (file, specifier, message) => {
    expect(await importErrors(file, use(specifier))).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ["src/metrics/x.ts", "../kernel/logger.js"],
    ["src/metrics/x.ts", "prom-client"],
    ["src/http/x.ts", "../metrics/catalogue.js"],
    ["src/exposition/x.ts", "../http/labels.js"],
    ["src/health/x.ts", "@opentelemetry/api"],
    ["src/shutdown/x.ts", "../health/readiness-state.js"],
    ["src/fastify/x.ts", "../tracing/state.js"],
    ["src/fastify/x.ts", "@fastify/otel"],
    ["src/express/x.ts", "../exposition/handler.js"],
    ["src/tracing/x.ts", "@opentelemetry/sdk-trace-base"],
    ["src/tracing/instrument-app.ts", "../fastify/tracing.js"],
    ["src/tracing/trace-function.ts", "@opentelemetry/api"],
    ["src/tracing/trace-function.ts", "../kernel/logger.js"],
    ["src/tracing/log-correlation.ts", "../kernel/request-state.js"],
    ["src/index.ts", "./fastify/metrics.js"],
  ])("allows %s importing %s", async (file, specifier) => {
    expect(await importErrors(file, use(specifier))).toEqual([]);
  });
});
