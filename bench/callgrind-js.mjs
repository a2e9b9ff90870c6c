// Where a callgrind count goes, JavaScript included: `node bench/callgrind-js.mjs <callgrind.out>
// <perf-PID.map> [requests] [--top 40]`. Callgrind names V8's JIT code by address only; a server
// started with `--perf-basic-prof` writes /tmp/perf-<pid>.map, which maps those addresses to JS
// functions and files. Prints self instructions (per request when `requests` is given) grouped
// by origin (our package, a dependency, Node internals, V8's GC/compiler/builtins, libc) and the
// top functions. Made by `node bench/instructions.mjs --profile DIR`.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

function readPerfMap(mapFile) {
  if (mapFile === undefined || !existsSync(mapFile)) return [];
  return readFileSync(mapFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(" ");
      const from = parseInt(start, 16);
      return { start: from, end: from + parseInt(size, 16), name: name.join(" ") };
    })
    .sort((a, b) => a.start - b.start);
}

/** The JIT code entry of `map` containing `address`. */
function jsName(map, address) {
  let low = 0;
  let high = map.length - 1;
  let found;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (map[middle].start <= address) {
      found = map[middle];
      low = middle + 1;
    } else high = middle - 1;
  }
  return found && address < found.end ? found.name : undefined;
}

/**
 * V8's garbage collector by function name: the collectors, marking, sweeping, evacuation, the
 * remembered sets and free lists they maintain, the write barrier, and the bitmap popcount and
 * code-flushing checks they do.
 */
export const GC_NAME =
  /GC|Heap|Mark|Scaveng|Sweep|Evacuat|heap::|Worklist|Barrier|Visitor|RememberedSet|SlotSet|FreeList|LiveObject|Ephemeron|ShouldFlushCode|CompactPrototypeTransition|^__popcount|^Builtins_RecordWrite/i;

/** Our dist, a package under node_modules, node:internal, V8 (by C++ namespace), libc… */
function origin(name) {
  if (/\/dist\/(index|register)\.c?js/.test(name)) return "@crisislen/observability";
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(name);
  if (pkg) return pkg[1];
  if (/node:|internal\//.test(name)) return "node (JS)";
  if (/bench\//.test(name)) return "bench server";
  if (GC_NAME.test(name)) return "V8 GC";
  if (/compiler::|Turbofan|Maglev|baseline::|Compile|interpreter::|Bytecode/.test(name))
    return "V8 compiler";
  if (/^Builtins_|Runtime_|v8::/.test(name)) return "V8 runtime/builtins";
  if (/^(JS|LazyCompile|Function|Builtin|Stub|Handler|RegExp):|^JIT code/.test(name))
    return "JS (other)";
  if (/node::|uv_|uv__/.test(name)) return "node/libuv (C++)";
  if (/libc|libm|ld-linux|__/.test(name)) return "libc";
  return "other native";
}

/**
 * Self instructions of a callgrind dump by origin and by function; JIT code is named from the
 * perf map when one is given, else counted as "JIT code".
 */
export function attribute(callgrindFile, mapFile, { inclusive = false } = {}) {
  const map = readPerfMap(mapFile);
  const annotated = execFileSync(
    "callgrind_annotate",
    [`--inclusive=${inclusive ? "yes" : "no"}`, "--threshold=100", callgrindFile],
    { maxBuffer: 1 << 28, encoding: "utf8" },
  );
  const byOrigin = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const line of annotated.split("\n")) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match || match[2] === "PROGRAM TOTALS") continue;
    const cost = Number(match[1].replaceAll(",", ""));
    let name = match[2].replace(/^[^:]*:/, "");
    const address = /^0x([0-9a-f]+)/.exec(name);
    if (address) name = jsName(map, parseInt(address[1], 16)) ?? "JIT code";
    name = name.replace(/ \[[^\]]*\]$/, "");
    total += cost;
    byOrigin.set(origin(name), (byOrigin.get(origin(name)) ?? 0) + cost);
    byFunction.set(name, (byFunction.get(name) ?? 0) + cost);
  }
  return { total, byOrigin, byFunction };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "40" },
      // Functions (substrings of their names) whose inclusive cost to print: what a hook costs
      // with everything it calls, e.g. --inclusive traceRequest,endServerSpan,emitInitScript
      inclusive: { type: "string" },
    },
  });
  const [callgrindFile, mapFile, requestsText] = positionals;
  const perRequest = Number(requestsText ?? 1);
  const { total, byOrigin, byFunction } = attribute(callgrindFile, mapFile);
  const show = (cost) => Math.round(cost / perRequest).toLocaleString("en");
  console.log(`total ${show(total)} instructions${perRequest > 1 ? " per request" : ""}\n`);
  for (const [name, cost] of [...byOrigin].sort((a, b) => b[1] - a[1]))
    console.log(
      `${show(cost).padStart(10)}  ${((100 * cost) / total).toFixed(1).padStart(5)} %  ${name}`,
    );
  console.log("");
  for (const [name, cost] of [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top)))
    console.log(`${show(cost).padStart(10)}  ${name.slice(0, 150)}`);
  if (values.inclusive) {
    const { byFunction: inclusiveCost } = attribute(callgrindFile, mapFile, { inclusive: true });
    console.log(
      "\ninclusive (the function and everything it calls; JIT-inlined callees included):",
    );
    for (const wanted of values.inclusive.split(",")) {
      const rows = [...inclusiveCost].filter(([name]) => name.includes(wanted));
      const cost = rows.reduce((sum, [, value]) => sum + value, 0);
      console.log(`${show(cost).padStart(10)}  ${wanted} (${rows.length} code object(s))`);
    }
  }
}
