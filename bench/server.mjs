// One benchmark server: `node bench/server.mjs <mode> <port> [esm|cjs]`. Prints {"ready":true}
// when listening. This package is loaded by its name, as a user's app loads it: with `import`
// (the ESM build, dist/index.js) or with `require` (the CommonJS build, dist/index.cjs). In the
// repository the name resolves to its own dist/ (package self-reference); in the project the
// packed tarball was installed into, to node_modules. On SIGTERM a traced server flushes its
// spans and prints what it exported, then exits.
import { createRequire } from "node:module";
import { discardingExporter } from "./server-tracing.mjs";
import { modes, tracing, usesPackage } from "./server-modes.mjs";

const [mode, portText, build = "esm"] = process.argv.slice(2);
const port = Number(portText ?? 3000);
const start = modes[mode];
if (start === undefined || (build !== "esm" && build !== "cjs")) {
  console.error(
    `usage: server.mjs <mode> <port> [esm|cjs]; modes: ${Object.keys(modes).join(", ")}`,
  );
  process.exit(2);
}

const NAME = "@crisislen/observability";
let pkg;
let resolved;
if (usesPackage(mode)) {
  const require = createRequire(import.meta.url);
  if (build === "cjs") {
    resolved = require.resolve(NAME);
    pkg = require(NAME);
  } else {
    resolved = import.meta.resolve(NAME);
    pkg = await import(NAME);
  }
}

await start(port, pkg);

process.on("SIGTERM", async () => {
  await tracing.flush();
  console.log(JSON.stringify(discardingExporter.report()));
  process.exit(0);
});
console.log(JSON.stringify({ ready: true, mode, build, port, resolved }));
