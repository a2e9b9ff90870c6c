// Resident memory after one million requests to distinct unknown URLs (a scanner), with our
// plugin or middleware: `node bench/memory.mjs [--requests 1000000] [--modes fastify-ours,express-ours]`.
// Reports the server's RSS before and after and the number of series in the exposition.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    modes: { type: "string", default: "fastify-ours,express-ours" },
    port: { type: "string", default: "3918" },
  },
});
const port = Number(args.port);

const rssMegabytes = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const get = (path) =>
  new Promise((resolve, reject) =>
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(body));
      })
      .on("error", reject),
  );
const seriesCount = (body) =>
  body.split("\n").filter((line) => line.startsWith("http_request")).length;

for (const mode of args.modes.split(",")) {
  const server = spawn(
    "taskset",
    ["-c", "0", process.execPath, join(here, "server.mjs"), mode, String(port)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve) =>
    server.stdout.on("data", (chunk) => String(chunk).includes("ready") && resolve()),
  );
  // A few thousand requests first, so the baseline includes warmed-up code and buffers.
  let counter = 0;
  const scan = (amount) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 50,
      amount,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            path: `/scan/${counter++}/wp-login.php?id=${counter}`,
          }),
        },
      ],
    });
  await scan(20_000);
  const seriesBefore = seriesCount(await get("/metrics"));
  const before = rssMegabytes(server.pid);
  const result = await scan(Number(args.requests));
  const after = rssMegabytes(server.pid);
  const seriesAfter = seriesCount(await get("/metrics"));
  console.log(
    JSON.stringify({
      mode,
      requests: result.requests.total,
      non2xx: result.non2xx,
      rssBeforeMB: before.toFixed(1),
      rssAfterMB: after.toFixed(1),
      growthMB: (after - before).toFixed(1),
      seriesBefore,
      seriesAfter,
    }),
  );
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
}
