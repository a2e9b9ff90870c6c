// Load generator, its own process, pinned by the caller to a core the server does not use:
//   node bench/loadgen.mjs --url U --pid SERVER_PID --warmup N --requests N
//        [--connections 50] [--pipelining 1] [--server-core 0] [--loadgen-core 1]
// autocannon sends a warm-up batch (discarded), then exactly --requests requests. Around the
// measured batch it reads the server's CPU time (all threads, ns precision), its own, and each
// core's busy time, so the caller can tell what other processes took from the cores meanwhile.
// Prints one JSON line.
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { coreBusySeconds, processCpuSeconds } from "./cpu-clock.mjs";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    pid: { type: "string" },
    warmup: { type: "string", default: "10000" },
    requests: { type: "string", default: "50000" },
    connections: { type: "string", default: "50" },
    pipelining: { type: "string", default: "1" },
    "server-core": { type: "string", default: "0" },
    "loadgen-core": { type: "string", default: "1" },
  },
});
const pid = Number(args.pid);
const serverCore = Number(args["server-core"]);
const loadgenCore = Number(args["loadgen-core"]);

const run = (amount) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: args.url,
        connections: Number(args.connections),
        pipelining: Number(args.pipelining),
        amount,
        timeout: 30,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

const warmup = await run(Number(args.warmup));
const coresBefore = coreBusySeconds();
const serverBefore = processCpuSeconds(pid);
const selfBefore = processCpuSeconds(process.pid);
const started = process.hrtime.bigint();
const result = await run(Number(args.requests));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const serverCpu = processCpuSeconds(pid) - serverBefore;
const loadgenCpu = processCpuSeconds(process.pid) - selfBefore;
const coresAfter = coreBusySeconds();
const coreBusy = (core) => coresAfter[core] - coresBefore[core];
const requests = result.requests.total;

console.log(
  JSON.stringify({
    requests,
    warmupRequests: warmup.requests.total,
    seconds,
    rps: requests / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors:
      result.errors +
      result.timeouts +
      result.non2xx +
      warmup.errors +
      warmup.timeouts +
      warmup.non2xx,
    serverCpuSeconds: serverCpu,
    loadgenCpuSeconds: loadgenCpu,
    cpuMicrosPerRequest: (serverCpu * 1e6) / requests,
    // CPU that neither the server nor the load generator used on their cores during the window,
    // as a share of the window (tick resolution: ±0.01 s per core).
    foreignShareServerCore: Math.max(0, coreBusy(serverCore) - serverCpu) / seconds,
    foreignShareLoadgenCore: Math.max(0, coreBusy(loadgenCore) - loadgenCpu) / seconds,
    foreignShareOtherCores:
      coresAfter.reduce(
        (sum, _, core) =>
          core === serverCore || core === loadgenCore ? sum : sum + coreBusy(core),
        0,
      ) / seconds,
  }),
);
