// End to end: the built app, served from a sub-path, in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { AppPage } from "../pages/app_page.mjs";
import { execFileSync } from "node:child_process";
import { serve, launch, open, cliKpis, cliRun, close, shared, root, artifacts } from "./support.mjs";

let server, url, browser;

before(async () => {
  ({ server, url } = await serve());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

function assertKpisEqualCli(page, cli) {
  for (const [id, value] of Object.entries(page)) {
    assert.ok(id in cli, `KPI ${id} is a gold_kpis column`);
    assert.ok(close(value, cli[id]), `KPI ${id}: page ${value}, CLI ${cli[id]}`);
  }
}

test("the landing page says the data stays in the tab and loads no foreign resource", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.testId("privacy-note").waitFor();
  assert.match(await app.testId("privacy-note").innerText(), /never uploaded/);
  await page.screenshot({ path: join(artifacts, "landing.png"), fullPage: true });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("demo data is generated in the worker and its KPIs equal the CLI's", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.loadDemo(300);
  await app.waitForResults();
  assert.equal(await app.testId("version").innerText(), "3.3");
  const kpis = await app.kpis();
  assert.equal(kpis.patients, 300);
  assertKpisEqualCli(kpis, cliKpis(["--demo", "300"]));
  await page.screenshot({ path: join(artifacts, "demo.png"), fullPage: true });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a real export chosen through the file input gives the CLI's KPIs and row counts", async () => {
  const set = join(shared, "dbt-synthea-v3.0.0");
  const files = readdirSync(set).filter((f) => f.endsWith(".csv")).map((f) => join(set, f));
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.chooseFiles(files);
  await app.waitForResults();
  assert.equal(await app.testId("version").innerText(), "3.0");
  assertKpisEqualCli(await app.kpis(), cliKpis([set]));
  assert.equal(await app.tableRows("fact_encounters"), 604);
  assert.equal(await app.tableRows("bronze_rejects"), 0);
  await page.screenshot({ path: join(artifacts, "dbt-synthea.png"), fullPage: true });

  // The download holds the CLI's files, byte for byte, and pyarrow reads every table.
  const [download] = await Promise.all([page.waitForEvent("download"), app.testId("download-zip").click()]);
  assert.equal(download.suggestedFilename(), "synthea-lakehouse.zip");
  const zipPath = join(artifacts, "synthea-lakehouse.zip");
  await download.saveAs(zipPath);
  const report = execFileSync("python3", [join(root, "tests/e2e/check_download.py"), zipPath, cliRun([set])], { encoding: "utf8" });
  assert.match(report, /^ok: \d+ files identical to the CLI's, \d+ Parquet tables read by pyarrow/m, report);
  assert.match(await app.testId("download-note").innerText(), /Saved synthea-lakehouse.zip/);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a broken input shows a clear error without crashing", async () => {
  const { page, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.chooseFiles([join(root, "tests/fixtures/invalid/missing_patients_file/encounters.csv")]);
  const text = await app.waitForError();
  assert.match(text, /required file `patients.csv` is missing/);
  await page.screenshot({ path: join(artifacts, "error.png"), fullPage: true });
  // The page still works afterwards.
  await app.loadDemo(20);
  await app.waitForResults();
  assert.deepEqual(errors, []);
  await page.close();
});
