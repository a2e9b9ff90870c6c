// Imports the package root (ESM) or requires it (CJS, `--cjs`) in a fresh process and prints
// its export names and every module file loaded meanwhile: ESM resolutions through a loader
// hook, CommonJS loads from require.cache.
import { readFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const cjs = process.argv.includes("--cjs");
const require = createRequire(import.meta.url);
register("./load-log-hooks.mjs", import.meta.url);
const api = cjs ? require("@crisislen/observability") : await import("@crisislen/observability");
const esmLoaded = readFileSync(process.env.LOAD_LOG, "utf8").split("\n").filter(Boolean);
console.log(
  JSON.stringify({
    exports: Object.keys(api).sort(),
    resolved: cjs
      ? require.resolve("@crisislen/observability")
      : import.meta.resolve("@crisislen/observability"),
    loaded: [...esmLoaded, ...Object.keys(require.cache)],
  }),
);
