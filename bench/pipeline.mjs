// The app's worker pipeline in headless Chromium on a folder of CSV files:
// cold load to interactive, time from choosing the files to the dashboard,
// the worker's WebAssembly memory, and the longest main-thread task while
// it worked (PerformanceObserver "longtask"). Prints one JSON line.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { serve, launch, open } from "../tests/e2e/specs/support.mjs";

const dir = process.argv[2];
const files = readdirSync(dir).filter((f) => f.endsWith(".csv")).map((f) => join(dir, f));
const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longest = Math.max(window.__longest, entry.duration);
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(url);
  await page.locator('[data-testid="drop-zone"]').waitFor();
  const interactive = await page.evaluate(() => performance.now());
  await page.evaluate(() => { window.__longest = 0; });
  const started = Date.now();
  await page.locator('[data-testid="file-input"]').setInputFiles(files);
  await page.locator('[data-testid="results"]').waitFor({ timeout: 1_800_000 });
  const seconds = (Date.now() - started) / 1000;
  const memory = Number(await page.locator('[data-testid="wasm-memory"]').getAttribute("data-bytes"));
  const longest = await page.evaluate(() => window.__longest);
  console.log(JSON.stringify({
    input: dir,
    input_mb: +(bytes / 1e6).toFixed(1),
    load_to_interactive_ms: Math.round(interactive),
    pipeline_seconds: seconds,
    mb_per_s: +(bytes / 1e6 / seconds).toFixed(1),
    wasm_memory_mb: +(memory / 1e6).toFixed(0),
    memory_per_input_byte: +(memory / bytes).toFixed(2),
    longest_main_thread_task_ms: longest,
  }));
} finally {
  await browser.close();
  server.close();
}
