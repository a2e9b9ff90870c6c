// Renders the benchmark summary as an SVG bar chart: server CPU per request of every
// configuration, the bare framework's part (grey) and the extra each adds — ours green,
// reference points (a no-op middleware, a hand-written hook) blue, peers red.
// `node bench/chart.mjs bench/results/http.json` re-renders a saved run.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const escapeXml = (text) => String(text).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** @param {Array<{mode: string, cpuMicrosPerRequest: number, ratio: number}>} summary */
export function renderChart(summary) {
  const groups = ["fastify", "express"].map((framework) =>
    summary.filter((row) => row.mode.startsWith(`${framework}-`)),
  );
  const rowHeight = 22;
  const labelWidth = 170;
  const chartWidth = 520;
  const rows = groups.reduce((n, group) => n + group.length + 2, 0);
  const height = rows * rowHeight + 40;
  let y = 30;
  let body = "";
  for (const group of groups) {
    if (group.length === 0) continue;
    const bare = group.find((row) => row.mode.endsWith("-bare"));
    const max = Math.max(...group.map((row) => row.cpuMicrosPerRequest));
    const scale = chartWidth / max;
    body += `<text x="10" y="${y + 14}" font-weight="bold">${escapeXml(group[0].mode.split("-")[0])}: server CPU µs per request (lower is better)</text>`;
    y += rowHeight;
    for (const row of group) {
      const base = Math.min(bare?.cpuMicrosPerRequest ?? 0, row.cpuMicrosPerRequest);
      const ours = row.mode.includes("-ours") || row.mode.endsWith("-traced");
      const reference = row.mode.endsWith("-noop") || row.mode.endsWith("-hook");
      body += `<text x="10" y="${y + 15}">${escapeXml(row.mode)}</text>`;
      body += `<rect x="${labelWidth}" y="${y + 3}" width="${(base * scale).toFixed(1)}" height="16" fill="#9aa5b1"/>`;
      body += `<rect x="${(labelWidth + base * scale).toFixed(1)}" y="${y + 3}" width="${((row.cpuMicrosPerRequest - base) * scale).toFixed(1)}" height="16" fill="${ours ? "#2b8a3e" : reference ? "#1c7ed6" : "#c92a2a"}"/>`;
      body += `<text x="${(labelWidth + row.cpuMicrosPerRequest * scale + 6).toFixed(1)}" y="${y + 15}">${row.cpuMicrosPerRequest.toFixed(1)} µs (${row.ratio}× bare req/s)</text>`;
      y += rowHeight;
    }
    y += rowHeight;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + 220}" height="${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>${body}</svg>\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const { summary } = JSON.parse(readFileSync(file, "utf8"));
  writeFileSync(file.replace(/\.json$/, ".svg"), renderChart(summary));
}
