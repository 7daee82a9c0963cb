// End to end: the workspace. Lakehouses saved in the browser's origin
// private file system survive a reload, reopen from the list or the URL with
// the same KPIs, rename, download and delete; a full disk keeps nothing.
// Every test has a browser context of its own, so its own storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { AppPage } from "../pages/app_page.mjs";
import { serveAndLaunch, open, cliRun, shared, root, artifacts } from "./support.mjs";

let url, browser;
serveAndLaunch((u, b) => {
  url = u;
  browser = b;
});

/** The folders under `lakehouses/` in the page's origin private file system. */
function savedFolders(page) {
  return page.evaluate(async () => {
    const opfs = await navigator.storage.getDirectory();
    let dir;
    try {
      dir = await opfs.getDirectoryHandle("lakehouses");
    } catch {
      return [];
    }
    const names = [];
    for await (const [name] of dir.entries()) names.push(name);
    return names.sort();
  });
}

async function savedAs(app) {
  const status = app.testId("save-status");
  await app.page.locator('[data-testid="save-status"][data-state="saved"]').waitFor({ timeout: 60_000 });
  return status.getAttribute("data-id");
}

test("a loaded export is saved in the browser, survives a reload, reopens from the list with the same KPIs, renames, downloads and deletes", async () => {
  const set = join(shared, "dbt-synthea-v3.0.0");
  const files = readdirSync(set).filter((f) => f.endsWith(".csv")).map((f) => join(set, f));
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.chooseFiles(files);
  await app.waitForResults();
  const first = await app.kpis();
  const id = await savedAs(app);
  assert.match(id, /^lh-\d+$/);
  assert.equal(new URL(page.url()).searchParams.get("lakehouse"), id);
  assert.deepEqual(await savedFolders(page), [id]);

  // A reload reopens it from the address, without the CSV files.
  await page.reload();
  await app.waitForResults();
  assert.deepEqual(await app.kpis(), first);
  assert.equal(await savedAs(app), id);
  assert.equal(await app.testId("version").innerText(), "3.0");
  assert.equal(await app.tableRows("fact_encounters"), 604);

  // The list, on a fresh visit: name, source, version, size and rows.
  await page.goto(url);
  await app.openLoader();
  const item = app.testId("saved-item");
  await item.first().waitFor();
  assert.equal(await item.count(), 1);
  assert.equal(await app.testId("saved-name").inputValue(), `${files.length} files`);
  const detail = await app.testId("saved-detail").innerText();
  assert.match(detail, /Synthea 3\.0 · saved \d{4}-\d\d-\d\d \d\d:\d\d · [\d.]+ (KB|MB) · rows: [\d,]+ bronze, [\d,]+ silver, [\d,]+ gold/, detail);
  assert.match(await app.testId("storage-line").innerText(), /Using [\d.]+ (KB|MB) of the [\d.]+ (MB|GB)/);

  // Renamed, it keeps the name across visits.
  await app.testId("saved-name").fill("Care management pilot");
  await app.testId("saved-name").press("Enter");
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-note"]')?.textContent === "Renamed to “Care management pilot”.");
  await page.goto(url);
  await app.openLoader();
  await page.waitForFunction(() => document.querySelector('[data-testid="saved-name"]')?.value === "Care management pilot");

  await app.page.screenshot({ path: join(artifacts, "workspace-desktop-light.png"), fullPage: true });

  // Opened from the list: the same KPIs, and its id in the address.
  await app.testId("saved-open").click();
  await app.waitForResults();
  assert.deepEqual(await app.kpis(), first);
  assert.equal(new URL(page.url()).searchParams.get("lakehouse"), id);
  assert.equal(await app.testId("save-status").innerText(), "saved in this browser");
  assert.match(await app.testId("save-status").getAttribute("title"), /^Saved as “Care management pilot”/);

  // Its download holds the CLI's files, byte for byte.
  await app.openLoader();
  const [download] = await Promise.all([page.waitForEvent("download"), app.testId("saved-download").click()]);
  assert.equal(download.suggestedFilename(), "Care-management-pilot.zip");
  const zipPath = join(artifacts, "saved-lakehouse.zip");
  await download.saveAs(zipPath);
  const report = execFileSync("python3", [join(root, "tests/e2e/check_download.py"), zipPath, cliRun([set])], { encoding: "utf8" });
  assert.match(report, /^ok: \d+ files identical to the CLI's/m, report);

  // Deleted, it is gone from the list and from the origin private file system.
  page.once("dialog", (dialog) => dialog.accept());
  await app.testId("saved-delete").click();
  await app.testId("saved-empty").waitFor();
  assert.deepEqual(await savedFolders(page), []);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("when the browser's storage is full, the save says what to do and keeps no half-written lakehouse", async () => {
  const { page, errors } = await open(browser, url);
  // Every worker's OPFS writes fail after the first few files. The patch
  // reaches a worker only once its thread is free (after the load), so the
  // save waits for every patch to be in place: on a busy machine the click
  // could otherwise win the race and the save succeed.
  const patch = (worker) =>
    worker.evaluate(() => {
      if (self.quotaPatched) return;
      const write = FileSystemSyncAccessHandle.prototype.write;
      let calls = 0;
      self.quotaPatched = true;
      FileSystemSyncAccessHandle.prototype.write = function (...args) {
        calls += 1;
        if (calls > 4) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return write.apply(this, args);
      };
    });
  const patched = [];
  page.on("worker", (worker) => patched.push(patch(worker).catch(() => {})));
  const app = new AppPage(page);
  await app.loadDemo(200);
  await app.waitForResults();
  await Promise.all(patched);
  // The spare worker the landing page starts may have started before the
  // listener above (open() loads the page first), and that worker is the
  // one the load takes: patch every live worker now that its thread is free.
  for (const worker of page.workers()) await patch(worker);
  // The worker that holds the lakehouse (and will save it) has the patch.
  const live = page.workers();
  assert.ok(live.length > 0, "the pipeline worker is running");
  for (const worker of live) assert.equal(await worker.evaluate(() => self.quotaPatched === true), true, worker.url());
  assert.equal(await app.testId("save-status").getAttribute("data-state"), "unsaved");
  await app.testId("save-lakehouse").click();
  await page.locator('[data-testid="save-status"][data-state="failed"]').waitFor({ timeout: 60_000 });
  const text = await app.testId("save-status").innerText();
  assert.match(text, /Could not save this lakehouse in the browser: the browser's storage for this page is full/);
  assert.match(text, /delete saved lakehouses/);
  assert.deepEqual(await savedFolders(page), []);
  // The dashboard stays, and nothing saved is listed.
  await app.testId("results").waitFor();
  await app.openLoader();
  await app.testId("saved-empty").waitFor();
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 390, height: 844 });
    await app.testId("save-status").screenshot({ path: join(artifacts, `save-failed-phone-${scheme}.png`) });
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("saved lakehouses on a phone and in dark mode: cards that fit the screen", async () => {
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(url);
    const app = new AppPage(page);
    await app.loadDemo(50);
    await app.waitForResults();
    await app.testId("save-lakehouse").click();
    await savedAs(app);
    await app.openLoader();
    await app.testId("saved-item").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, "no sideways scroll");
    await app.testId("workspace").screenshot({ path: join(artifacts, `workspace-phone-${scheme}.png`) });
    await page.setViewportSize({ width: 1440, height: 900 });
    await app.testId("workspace").screenshot({ path: join(artifacts, `workspace-desktop-${scheme}.png`) });
    await context.close();
  }
});
