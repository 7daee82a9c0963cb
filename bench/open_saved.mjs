// Opening a lakehouse saved in the browser (OPFS) against loading its CSV
// files again, in headless Chromium on a folder of CSV files: each round
// loads the files (timed from choosing them to the results), waits for the
// save, then opens that save from the list on a fresh visit (timed from the
// click to the results). Minimum of ROUNDS rounds. Prints one JSON line.
// Beside the time to the results in the page, each is split at the moment
// the worker's answer (`{"type":"loaded"}`) reaches the page: before it, the worker's
// work (reading, parsing or opening, the dashboard model); after it, the
// page's first render of the results, which loading and opening share.
import { serve, launch } from "../tests/e2e/specs/support.mjs";
import { csvFiles } from "./support.mjs";

const dir = process.argv[2];
const rounds = Number(process.argv[3] ?? 3);
const { files, bytes } = csvFiles(dir);
const { server, url } = await serve();
const browser = await launch();

/** Milliseconds from `act` to the results section being in the page, and
 * to the worker's answer arriving. */
async function timed(page, act) {
  await page.evaluate(() => {
    window.__answered = new Promise((done) => { window.__answer = done; });
    window.__results = new Promise((done) => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid="results"]')) { observer.disconnect(); done(performance.now()); }
      }).observe(document.body, { childList: true, subtree: true });
    });
  });
  const start = await page.evaluate(() => performance.now());
  await act();
  const end = await page.evaluate(() => window.__results);
  const answered = await page.evaluate(() => window.__answered);
  return [end - start, answered - start];
}

/** Marks when a worker's `Loaded` answer reaches the page. */
function watchAnswers() {
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const first = Array.isArray(event.data) ? event.data[0] : null;
        if (typeof first === "string" && first.startsWith('{"type":"loaded"')) window.__answer?.(performance.now());
      });
    }
  };
}

try {
  const context = await browser.newContext();
  await context.addInitScript(watchAnswers);
  const page = await context.newPage();
  const load = [], open = [], loadWorker = [], openWorker = [];
  let savedBytes = 0;
  for (let round = 0; round < rounds; round++) {
    await page.goto(url);
    await page.locator('[data-testid="drop-zone"]').waitFor();
    const [loaded, loadAnswered] = await timed(page, () => page.locator('[data-testid="file-input"]').setInputFiles(files));
    load.push(loaded);
    loadWorker.push(loadAnswered);
    const saved = page.locator('[data-testid="save-status"][data-state="saved"]');
    await saved.waitFor({ timeout: 600_000 });
    const id = await saved.getAttribute("data-id");
    await page.goto(url);
    await page.locator('[data-testid="load-panel"] > summary').waitFor();
    const item = page.locator(`[data-testid="saved-item"][data-id="${id}"]`);
    await item.waitFor();
    savedBytes = Number((await item.locator('[data-testid="saved-detail"]').innerText()).match(/([\d.]+) MB/)?.[1] ?? 0);
    const [opened, openAnswered] = await timed(page, () => item.locator('[data-testid="saved-open"]').click());
    open.push(opened);
    openWorker.push(openAnswered);
  }
  const min = (list) => Math.round(Math.min(...list));
  console.log(JSON.stringify({
    input: dir,
    input_mb: +(bytes / 1e6).toFixed(1),
    saved_mb: savedBytes,
    rounds,
    load_csv_ms: min(load),
    open_saved_ms: min(open),
    open_over_load: +(min(open) / min(load)).toFixed(2),
    load_csv_all_ms: load.map(Math.round),
    open_saved_all_ms: open.map(Math.round),
    worker_load_csv_ms: min(loadWorker),
    worker_open_saved_ms: min(openWorker),
    worker_open_over_load: +(min(openWorker) / min(loadWorker)).toFixed(2),
    worker_load_csv_all_ms: loadWorker.map(Math.round),
    worker_open_saved_all_ms: openWorker.map(Math.round),
  }));
} finally {
  await browser.close();
  server.close();
}
