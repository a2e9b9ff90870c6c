/**
 * The built declarations promise exactly what the built code has: every value export of
 * dist/index.d.ts and dist/index.d.cts (a name TypeScript lets a user import as a value — not an
 * interface, a type alias or a `type` export) exists at runtime in the ESM and the CJS build, and
 * every runtime export is declared. publint and attw do not check this. (Issue #16, item 2.)
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const DIST = resolve(import.meta.dirname, "../../dist");

const declaredCache = new Map<string, string[]>();

/** The names a declaration file exports as values (a program per file is built once). */
function declaredValueExports(file: string): string[] {
  const cached = declaredCache.get(file) ?? checkedValueExports(file);
  declaredCache.set(file, cached);
  return cached;
}

/** The names a declaration file exports as values, resolved by the TypeScript checker. */
function checkedValueExports(file: string): string[] {
  const program = ts.createProgram([file], {
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .filter((symbol) => {
      const specifier = symbol.declarations?.find(ts.isExportSpecifier);
      if (specifier?.isTypeOnly === true || specifier?.parent.parent.isTypeOnly === true) {
        return false;
      }
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return (target.flags & ts.SymbolFlags.Value) !== 0;
    })
    .map((symbol) => symbol.name)
    .sort();
}

const runtimeExports = (module: object) =>
  Object.keys(module)
    .filter((name) => name !== "default" && name !== "__esModule")
    .sort();

beforeAll(() => {
  for (const file of [
    "index.js",
    "index.cjs",
    "index.d.ts",
    "index.d.cts",
    "register.js",
    "register.cjs",
    "register.d.ts",
    "register.d.cts",
  ]) {
    if (!existsSync(join(DIST, file))) {
      throw new Error(`dist/${file} is missing: run \`npm run build\` first (npm test does).`);
    }
  }
});

describe.each([
  ["index.d.ts", "ESM import", () => import(pathToFileURL(join(DIST, "index.js")).href)],
  ["index.d.cts", "CJS require", () => createRequire(import.meta.url)(join(DIST, "index.cjs"))],
])("dist/%s against the %s build", (declarations, _how, load) => {
  it("declares as values exactly the names the build exports, each defined", async () => {
    const module = (await load()) as Record<string, unknown>;
    const declared = declaredValueExports(join(DIST, declarations));
    expect(declared.filter((name) => module[name] === undefined)).toEqual([]);
    expect(declared).toEqual(runtimeExports(module));
  });

  it("keeps the metric types type-only", () => {
    const declared = declaredValueExports(join(DIST, declarations));
    for (const name of ["Counter", "Gauge", "Histogram", "CrisisLensMetrics", "LabelArgument"]) {
      expect(declared).not.toContain(name);
    }
    expect(declared).toContain("metricsPlugin");
  });
});

/**
 * The names the preload entry exports at runtime, read in a child process: loading it starts
 * tracing and installs module hooks, which must not happen inside the test runner.
 */
function registerExports(how: "import" | "require"): string[] {
  const file = join(DIST, how === "import" ? "register.js" : "register.cjs");
  const script =
    how === "import"
      ? `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(Object.keys(m)));`
      : `const m = require(${JSON.stringify(file)}); console.log(JSON.stringify(Object.keys(m)));`;
  const output = execFileSync(
    process.execPath,
    how === "import" ? ["--input-type=module", "-e", script] : ["-e", script],
    { env: { ...process.env, OTEL_SDK_DISABLED: "true" }, encoding: "utf8", timeout: 20_000 },
  );
  return (JSON.parse(output.trim().split("\n").at(-1)!) as string[])
    .filter((name) => name !== "default" && name !== "__esModule")
    .sort();
}

describe.each([
  ["register.d.ts", "import" as const],
  ["register.d.cts", "require" as const],
])("dist/%s against the preload loaded with %s", (declarations, how) => {
  it("declares as values exactly the names the preload exports", () => {
    expect(declaredValueExports(join(DIST, declarations))).toEqual(registerExports(how));
  });
});
