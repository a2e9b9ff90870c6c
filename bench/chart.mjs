// Renders the benchmark summary as an SVG bar chart: median server CPU per request of every
// configuration, the bare framework's part (grey) and the extra each adds — ours green,
// reference points (a no-op middleware, a hand-written hook) blue, peers red.
// `node bench/report.mjs bench/results/http.json` re-renders a saved run.

const escapeXml = (text) => String(text).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** @param {Array<{config: string, cpuMicrosPerRequest: {median: number}, rpsRatio?: {median: number}}>} summary */
export function renderChart(summary) {
  const groups = ["fastify", "express"].map((framework) =>
    summary.filter((row) => row.config.startsWith(`${framework}-`)),
  );
  const rowHeight = 22;
  const labelWidth = 190;
  const chartWidth = 500;
  const rows = groups.reduce((n, group) => n + group.length + 2, 0);
  const height = rows * rowHeight + 40;
  let y = 30;
  let body = "";
  for (const group of groups) {
    if (group.length === 0) continue;
    const cpu = (row) => row.cpuMicrosPerRequest.median;
    const bare = group.find((row) => row.config.endsWith("-bare"));
    const scale = chartWidth / Math.max(...group.map(cpu));
    body += `<text x="10" y="${y + 14}" font-weight="bold">${escapeXml(group[0].config.split("-")[0])}: server CPU µs per request, median (lower is better)</text>`;
    y += rowHeight;
    for (const row of group) {
      const base = Math.min(bare ? cpu(bare) : 0, cpu(row));
      const ours = /-(ours|traced)/.test(row.config);
      const reference = /-(noop|hook)$/.test(row.config);
      const ratio = row.rpsRatio ? `, ${row.rpsRatio.median}× bare req/s` : "";
      body += `<text x="10" y="${y + 15}">${escapeXml(row.config)}</text>`;
      body += `<rect x="${labelWidth}" y="${y + 3}" width="${(base * scale).toFixed(1)}" height="16" fill="#9aa5b1"/>`;
      body += `<rect x="${(labelWidth + base * scale).toFixed(1)}" y="${y + 3}" width="${((cpu(row) - base) * scale).toFixed(1)}" height="16" fill="${ours ? "#2b8a3e" : reference ? "#1c7ed6" : "#c92a2a"}"/>`;
      body += `<text x="${(labelWidth + cpu(row) * scale + 6).toFixed(1)}" y="${y + 15}">${cpu(row).toFixed(1)} µs${ratio}</text>`;
      y += rowHeight;
    }
    y += rowHeight;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + 240}" height="${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>${body}</svg>\n`;
}
