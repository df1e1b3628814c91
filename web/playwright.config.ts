import { defineConfig } from "@playwright/test";

// Debian's Chromium (apt-get install chromium), never a downloaded browser; the gateway is started by
// tests/e2e/test_web_journeys.py, which passes its address in TOURBOOK_URL.
export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [["list"]],
  // Its own folder per run (pytest passes a temporary one): a run clears its output folder as it starts.
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? "test-results",
  use: {
    baseURL: process.env.TOURBOOK_URL ?? "http://127.0.0.1:8000",
    locale: "en-GB",
    timezoneId: "UTC",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    },
  },
});
