// The app's worker pipeline in headless Chromium on a folder of CSV files:
// cold load to interactive, time from choosing the files to the dashboard,
// the worker's WebAssembly memory, and the longest main-thread task while
// it worked (PerformanceObserver "longtask"). Prints one JSON line.
//
// Twice, each in a fresh browser: with the files chosen as soon as the page
// is interactive (the figures at the top level), and with them chosen 2 s
// later (`settled`), as a person choosing files would. In the first the
// page has only just started its worker (whose WebAssembly is probably still
// compiling), on the same two cores as the pipeline: a main-thread task of a
// few milliseconds of CPU then took 50-80 ms of wall time in some runs
// (docs/benchmarks.md).
import { serve, launch } from "../tests/e2e/specs/support.mjs";
import { csvFiles, rendererPeakMb } from "./support.mjs";

const SETTLE_MS = 2000;
const dir = process.argv[2];
const { files, bytes } = csvFiles(dir);

async function measure(url, settleMs) {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.__tasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__tasks.push([entry.startTime, entry.duration]);
      }).observe({ type: "longtask", buffered: true });
    });
    await page.goto(url);
    await page.locator('[data-testid="drop-zone"]').waitFor();
    const interactive = await page.evaluate(() => performance.now());
    await page.waitForTimeout(settleMs);
    const since = await page.evaluate(() => performance.now());
    const started = Date.now();
    await page.locator('[data-testid="file-input"]').setInputFiles(files);
    // The results section appears in the task that renders them: tasks that
    // start before it are "while processing", that one is the final render.
    await page.evaluate(() => new Promise((done) => {
      const seen = () => document.querySelector('[data-testid="results"]');
      if (seen()) return done();
      new MutationObserver((_, observer) => {
        if (seen()) { window.__rendered = performance.now(); observer.disconnect(); done(); }
      }).observe(document.body, { childList: true, subtree: true });
    }));
    const seconds = (Date.now() - started) / 1000;
    await page.waitForTimeout(200);
    const peak = rendererPeakMb();
    const memory = Number(await page.locator('[data-testid="wasm-memory"]').getAttribute("data-bytes"));
    const [during, render] = await page.evaluate((since) => {
      const tasks = window.__tasks.filter(([start]) => start >= since);
      const before = tasks.filter(([start, duration]) => start + duration < window.__rendered - 1);
      const max = (list) => list.reduce((m, [, d]) => Math.max(m, d), 0);
      return [max(before), max(tasks)];
    }, since);
    return { interactive, seconds, peak, memory, during, render };
  } finally {
    await browser.close();
  }
}

const { server, url } = await serve();
try {
  const cold = await measure(url, 0);
  const settled = await measure(url, SETTLE_MS);
  console.log(JSON.stringify({
    input: dir,
    input_mb: +(bytes / 1e6).toFixed(1),
    load_to_interactive_ms: Math.round(cold.interactive),
    pipeline_seconds: cold.seconds,
    mb_per_s: +(bytes / 1e6 / cold.seconds).toFixed(1),
    wasm_memory_mb: +(cold.memory / 1e6).toFixed(0),
    memory_per_input_byte: +(cold.memory / bytes).toFixed(2),
    renderer_peak_rss_mb: cold.peak,
    renderer_peak_per_input_byte: +(cold.peak * 1048576 / bytes).toFixed(2),
    longest_task_while_processing_ms: cold.during,
    longest_task_including_result_render_ms: cold.render,
    settled: {
      files_chosen_after_ms: SETTLE_MS,
      pipeline_seconds: settled.seconds,
      longest_task_while_processing_ms: settled.during,
      longest_task_including_result_render_ms: settled.render,
    },
  }));
} finally {
  server.close();
}
