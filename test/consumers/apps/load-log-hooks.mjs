// Loader hook of check-load.mjs: appends every resolved module URL to $LOAD_LOG.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(process.env.LOAD_LOG, `${result.url}\n`);
  return result;
}
