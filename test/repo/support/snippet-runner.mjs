// Runs one README snippet (argv[2], a compiled .js or an .mjs) under snippet-host.mjs: imports
// it, waits until every server it started listens (in a `cluster` primary: until every forked
// worker listens), then stops them and exits 0. A throw, a rejected promise, a server that
// cannot listen or a worker that exits early exits 1 with the error on stderr.
import cluster from "node:cluster";
import { pathToFileURL } from "node:url";

const BOUND_MS = 15_000;
const host = globalThis.__readmeSnippetHost;
if (host === undefined) throw new Error("run with --import ./snippet-host.mjs");

const workers = [];
if (cluster.isPrimary) cluster.on("fork", (worker) => workers.push(worker));

function fail(error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  for (const worker of workers) worker.process.kill("SIGKILL");
  process.exit(1);
}
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);
setTimeout(
  () => fail(new Error(`the snippet did not settle within ${BOUND_MS} ms`)),
  BOUND_MS,
).unref();

await import(pathToFileURL(process.argv[2]).href);
if (cluster.isWorker) {
  // A worker lives until its primary stops it; the primary waits for it below.
} else {
  const workersListening = workers.map(
    (worker) =>
      new Promise((resolve, reject) => {
        worker.once("listening", resolve);
        worker.once("exit", (code) => reject(new Error(`worker ${worker.id} exited with ${code}`)));
      }),
  );
  try {
    await Promise.all([...host.listening, ...workersListening]);
  } catch (error) {
    fail(error);
  }
  for (const worker of workers) {
    worker.removeAllListeners("exit");
    worker.process.kill("SIGKILL");
  }
  process.stdout.write(
    JSON.stringify({ servers: host.listening.length, workers: workers.length }) + "\n",
  );
  process.exit(0);
}
