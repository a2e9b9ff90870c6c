// CPU time read from /proc (Linux), precise enough to divide by a request count:
// - a process's CPU time is the sum of its threads' `schedstat` run times (nanoseconds), not
//   `/proc/<pid>/stat` (10 ms ticks: ±0.2 µs per request over a one-second window);
// - a core's busy time comes from `/proc/stat` (ticks), to tell how much CPU processes other than
//   the benchmark's own took on each core while it measured.
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU seconds used so far by every live thread of `pid` (V8's GC helpers and libuv's pool included). */
export function processCpuSeconds(pid) {
  let nanoseconds = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(
        readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0],
      );
    } catch {
      // the thread exited between the listing and the read; Node's threads live as long as it does
    }
  }
  return nanoseconds / 1e9;
}

/** Busy seconds (everything but idle and iowait) of each core so far, indexed by core number. */
export function coreBusySeconds() {
  const busy = [];
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, , , irq, softirq, steal] = match[2].split(" ").map(Number);
    busy[Number(match[1])] = (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  }
  return busy;
}

/** `/proc/loadavg`'s 1-minute load and `/proc/pressure/cpu`'s "some avg10" (null where absent). */
export function machineLoad() {
  const load1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  let cpuPressure10s = null;
  try {
    const some = /some avg10=([\d.]+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"));
    cpuPressure10s = some ? Number(some[1]) : null;
  } catch {
    // kernels without PSI
  }
  return { load1, cpuPressure10s };
}

/** How busy the whole machine was over `ms` milliseconds, as a share of all its cores (0–1). */
export async function busyShare(ms) {
  const before = coreBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = coreBusySeconds();
  const used = after.reduce((sum, seconds, core) => sum + seconds - before[core], 0);
  return used / ((after.length * ms) / 1000);
}
