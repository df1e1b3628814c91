// The JavaScript the search page loads before its first results show, gzip-compressed (level 9), and the time
// from navigation to the first result, in Debian's Chromium against a running gateway (TOURBOOK_URL).
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const base = process.env.TOURBOOK_URL ?? "http://127.0.0.1:8000";
const runs = Number(process.env.RUNS ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const timings = [];
let scripts = new Map();
for (let run = 0; run < runs; run += 1) {
  const context = await browser.newContext(); // a cold cache each time
  const page = await context.newPage();
  scripts = new Map();
  page.on("response", async (response) => {
    if (response.request().resourceType() === "script") scripts.set(new URL(response.url()).pathname, await response.body());
  });
  const started = Date.now();
  await page.goto(base);
  await page.locator("article.card h2 a").first().waitFor();
  timings.push(Date.now() - started);
  await context.close();
}
await browser.close();
const rows = [...scripts].map(([path, body]) => ({ path, raw: body.length, gzip: gzipSync(body, { level: 9 }).length }));
const total = (key) => rows.reduce((sum, row) => sum + row[key], 0);
timings.sort((a, b) => a - b);
console.log(JSON.stringify({
  scripts: rows.sort((a, b) => b.gzip - a.gzip),
  total_raw_kb: +(total("raw") / 1024).toFixed(1),
  total_gzip_kb: +(total("gzip") / 1024).toFixed(1),
  first_results_ms: { runs: timings, median: timings[Math.floor(timings.length / 2)] },
}, null, 2));
