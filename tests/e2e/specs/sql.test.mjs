// End to end: the SQL console over a saved lakehouse. Its example queries
// give the answers DuckDB gives for the same SQL over the CLI's Parquet; an
// error shows its line and column; a slow query cancels; history and saved
// queries survive a reload; the SQL worker's wasm is fetched only when the
// console opens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { AppPage } from "../pages/app_page.mjs";
import { serveAndLaunch, open, cliRun, shared, root, artifacts, tempDir } from "./support.mjs";

let url, browser;
serveAndLaunch((u, b) => {
  url = u;
  browser = b;
});

const EXAMPLES = join(root, "crates/lakehouse-sql/queries");

/** Opens the console and waits until the tables are registered. */
async function openConsole(app) {
  await app.testId("sql-console").locator("summary").first().click();
  await app.page.waitForFunction(() => /tables \([\d,]+ rows\) ready/.test(document.querySelector('[data-testid="sql-status"]')?.textContent ?? ""), null, { timeout: 120_000 });
}

/** Answers (or errors) the console has shown so far. */
async function answered(app) {
  return Number(await app.testId("sql-console").getAttribute("data-answers"));
}

/** Runs the editor's query (with `key`, a key press in the editor) and waits for its answer or its error. */
async function run(app, key) {
  const before = await answered(app);
  if (key) await app.testId("sql-editor").press(key);
  else await app.testId("sql-run").click();
  await app.page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="sql-console"]')?.getAttribute("data-answers")) > n,
    before,
    { timeout: 120_000 },
  );
}

async function setQuery(app, sql) {
  await app.testId("sql-editor").fill(sql);
}

test("the console's example queries give DuckDB's answers over the CLI's Parquet; errors point at their place; history and saved queries stay", async () => {
  const set = join(shared, "dbt-synthea-v3.0.0");
  const files = readdirSync(set).filter((f) => f.endsWith(".csv")).map((f) => join(set, f));
  const { page, foreign, errors } = await open(browser, url);
  const sqlWasm = [];
  page.on("request", (r) => {
    if (r.url().includes("sql_worker")) sqlWasm.push(r.url());
  });
  const app = new AppPage(page);
  await app.chooseFiles(files);
  await app.waitForResults();
  await page.locator('[data-testid="save-status"][data-state="saved"]').waitFor({ timeout: 60_000 });
  assert.deepEqual(sqlWasm, [], "the SQL worker is not fetched before the console opens");

  await openConsole(app);
  assert.ok(sqlWasm.some((u) => u.endsWith("sql_worker_bg.wasm")), `fetched: ${sqlWasm}`);
  const tables = await app.testId("sql-tables").locator("li").allTextContents();
  for (const layer of ["bronze", "silver", "gold"]) {
    assert.ok(tables.some((t) => t.startsWith(`${layer}.`)), `${layer} tables: ${tables}`);
  }
  assert.ok(tables.some((t) => /^silver\.fact_encounters · 604 rows/.test(t)), tables.join("\n"));

  // Every example, run in the tab and downloaded whole as Parquet.
  const answers = tempDir("lakehouse-sql-answers-");
  const ids = readdirSync(EXAMPLES).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4));
  assert.ok(ids.length >= 5);
  for (const id of ids) {
    await app.testId("sql-example").selectOption(id);
    const sql = await app.testId("sql-editor").inputValue();
    assert.equal(sql, readFileSync(join(EXAMPLES, `${id}.sql`), "utf8"), `${id}: the example's SQL is in the editor`);
    await run(app);
    assert.equal(await app.testId("sql-error").count(), 0, `${id}: ${await app.testId("sql-error").allInnerTexts()}`);
    assert.match(await app.testId("sql-rows").innerText(), /^Rows 1–\d+ of [\d,]+$/);
    const [download] = await Promise.all([page.waitForEvent("download"), app.testId("sql-download-parquet").click()]);
    assert.equal(download.suggestedFilename(), "query-result.parquet");
    await download.saveAs(join(answers, `${id}.parquet`));
    writeFileSync(join(answers, `${id}.sql`), sql);
    if (id === "kpis_from_the_star") {
      // Every KPI recomputed from the star equals gold's.
      const equal = await app.testId("sql-result").locator("tbody tr td:last-child").allInnerTexts();
      assert.ok(equal.length >= 16 && equal.every((v) => v === "true"), equal.join(","));
    }
  }
  const report = execFileSync("python3", [join(root, "tests/checks/sql_parity.py"), "--answers", answers, cliRun([set])], { encoding: "utf8" });
  assert.match(report, new RegExp(`^ok: ${ids.length} answers equal DuckDB`, "m"), report);

  // Paging and the CSV of the whole answer.
  await setQuery(app, "SELECT encounter_id, encounter_class, total_claim_cost FROM fact_encounters ORDER BY encounter_id");
  await run(app);
  assert.equal(await app.testId("sql-rows").innerText(), "Rows 1–50 of 604");
  const firstPage = await app.testId("sql-result").locator("tbody tr").first().innerText();
  await app.testId("sql-next").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-rows"]')?.textContent === "Rows 51–100 of 604");
  assert.notEqual(await app.testId("sql-result").locator("tbody tr").first().innerText(), firstPage);
  const [csv] = await Promise.all([page.waitForEvent("download"), app.testId("sql-download-csv").click()]);
  const csvPath = join(answers, "encounters.csv");
  await csv.saveAs(csvPath);
  assert.equal(readFileSync(csvPath, "utf8").trim().split("\n").length, 605, "a header and every row");

  // Ctrl+Enter runs; a syntax error shows its line and column, with a caret.
  await setQuery(app, "SELECT encounter_class, count(*)\nFROM fact_encounters\nWHERE AND total_claim_cost > 0");
  await run(app, "Control+Enter");
  // The parser reads `AND` as a column and stops at the next word.
  assert.equal(await app.testId("sql-error-position").innerText(), " at line 3, column 11");
  assert.equal(await app.testId("sql-error-pointer").innerText(), "WHERE AND total_claim_cost > 0\n          ^");
  assert.match(await app.testId("sql-error").innerText(), /Expected: end of statement, found: total_claim_cost/);
  // An unknown column, in the second statement of a script, points at it.
  await setQuery(app, "SELECT 1;\nSELECT nope FROM fact_encounters");
  await run(app);
  assert.equal(await app.testId("sql-error-position").innerText(), " at line 2, column 8");
  assert.match(await app.testId("sql-error").innerText(), /No field named nope/);

  // A query saved next to the lakehouse, and the history, survive a reload.
  await setQuery(app, "SELECT count(*) AS encounters FROM fact_encounters");
  await run(app);
  await app.testId("sql-saved").locator("summary").click();
  await app.testId("sql-save-name").fill("Encounter count");
  await app.testId("sql-save").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="sql-saved-query"]').length === 1);
  await page.setViewportSize({ width: 1280, height: 900 });
  await app.testId("sql-console").screenshot({ path: join(artifacts, "sql-desktop-light.png") });
  await page.reload();
  await app.waitForResults();
  await openConsole(app);
  await app.testId("sql-saved").locator("summary").click();
  assert.equal(await app.testId("sql-saved-query").locator("button").first().innerText(), "Encounter count");
  await app.testId("sql-history").locator("summary").click();
  const history = await app.testId("sql-history").locator("li").allInnerTexts();
  assert.equal(history[0], "SELECT count(*) AS encounters FROM fact_encounters");
  assert.ok(history.length >= ids.length + 3, `${history.length} queries in the history`);
  await app.testId("sql-saved-query").locator("button").first().click();
  await run(app);
  assert.equal(await app.testId("sql-result").locator("tbody td").first().innerText(), "604");

  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a slow query cancels, an answer too big for the tab stops only its worker, and the console works again after each", async () => {
  const { page, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.loadDemo(100);
  await app.waitForResults();
  await app.testId("save-lakehouse").click();
  await page.locator('[data-testid="save-status"][data-state="saved"]').waitFor({ timeout: 60_000 });
  await openConsole(app);
  // Ten billion rows: minutes of work for one thread.
  await setQuery(app, "SELECT sum(value) FROM range(10000000000)");
  await app.testId("sql-run").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-status"]')?.textContent === "Running…");
  await page.waitForTimeout(1500);
  assert.equal(await app.testId("sql-status").innerText(), "Running…", "still running after 1.5 s");
  const cancelled = Date.now();
  await app.testId("sql-cancel").click();
  await page.waitForFunction(() => /^Cancelled after [\d.]+ s\./.test(document.querySelector('[data-testid="sql-status"]')?.textContent ?? "") || /ready/.test(document.querySelector('[data-testid="sql-status"]')?.textContent ?? ""));
  await page.waitForFunction(() => !document.querySelector('[data-testid="sql-run"]')?.disabled, null, { timeout: 60_000 });
  assert.ok(Date.now() - cancelled < 30_000, "cancelled promptly");
  await setQuery(app, "SELECT count(*) AS patients FROM dim_patient");
  await run(app);
  assert.equal(await app.testId("sql-result").locator("tbody td").first().innerText(), "100");

  // An answer too big for the tab's memory stops the worker: the console
  // says what happened and what to do, and works again.
  await setQuery(app, "SELECT value FROM range(2000000000)");
  await run(app);
  assert.match(await app.testId("sql-error").innerText(), /The SQL worker stopped .*add a LIMIT or aggregate/s);
  await page.waitForFunction(() => !document.querySelector('[data-testid="sql-run"]')?.disabled, null, { timeout: 60_000 });
  await setQuery(app, "SELECT count(*) AS patients FROM dim_patient");
  await run(app);
  assert.equal(await app.testId("sql-result").locator("tbody td").first().innerText(), "100");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the console on a phone (390 px) and in dark mode: no sideways scroll, the answer scrolls in its own box", async () => {
  for (const [scheme, viewport] of [["light", { width: 390, height: 844 }], ["dark", { width: 390, height: 844 }], ["dark", { width: 1280, height: 900 }]]) {
    const context = await browser.newContext({ viewport, colorScheme: scheme });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}?demo=100`);
    const app = new AppPage(page);
    await app.waitForResults();
    await app.testId("save-lakehouse").click();
    await page.locator('[data-testid="save-status"][data-state="saved"]').waitFor({ timeout: 60_000 });
    await openConsole(app);
    await app.testId("sql-example").selectOption("readmissions_by_payer");
    await run(app);
    const layout = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
    assert.ok(layout.scroll <= layout.inner, `${scheme} ${viewport.width}: the page is ${layout.scroll} px wide at ${layout.inner}`);
    const name = viewport.width < 600 ? `sql-phone-${scheme}.png` : `sql-desktop-${scheme}.png`;
    await app.testId("sql-console").screenshot({ path: join(artifacts, name) });
    assert.deepEqual(errors, []);
    await context.close();
  }
});
