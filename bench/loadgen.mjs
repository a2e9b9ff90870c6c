// Load generator, its own process: `node bench/loadgen.mjs <url> <serverPid> <connections>
// <warmupSeconds> <seconds>`. Runs autocannon (warm-up discarded), samples the server's CPU
// time from /proc around the measured window, prints one JSON line.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const [url, pidText, connectionsText, warmupText, secondsText] = process.argv.slice(2);
const pid = Number(pidText);
const connections = Number(connectionsText ?? 50);
const ticksPerSecond = 100; // Linux USER_HZ

function cpuSeconds(target) {
  const fields = readFileSync(`/proc/${target}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const run = (duration) =>
  new Promise((resolve, reject) =>
    autocannon({ url, connections, duration, pipelining: 1 }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );

const warmup = await run(Number(warmupText ?? 2));
const cpuBefore = cpuSeconds(pid);
const loadBefore = cpuSeconds(process.pid);
const result = await run(Number(secondsText ?? 10));
const serverCpu = cpuSeconds(pid) - cpuBefore;
const loadgenCpu = cpuSeconds(process.pid) - loadBefore;
const requests = result.requests.total;
console.log(
  JSON.stringify({
    requests,
    warmupRequests: warmup.requests.total,
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    serverCpuSeconds: serverCpu,
    loadgenCpuSeconds: loadgenCpu,
    cpuMicrosPerRequest: (serverCpu * 1e6) / requests,
    durationSeconds: result.duration,
  }),
);
