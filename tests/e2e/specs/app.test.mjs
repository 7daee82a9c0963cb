// End to end: the built app, served from a sub-path, in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AppPage } from "../pages/app_page.mjs";
import { execFileSync } from "node:child_process";
import { serveAndLaunch, open, cliKpis, cliRun, cliTable, close, shared, root, artifacts, tempDir } from "./support.mjs";

let url, browser;
serveAndLaunch((u, b) => {
  url = u;
  browser = b;
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
  // Every dashboard chart is drawn, with tooltips and a table view.
  const charts = await page.locator('[data-testid^="chart-"]').all();
  assert.equal(charts.length, 14);
  for (const chart of charts) {
    assert.equal(await chart.locator("svg").count(), 1);
    // textContent: charts out of view are not rendered (content-visibility),
    // and innerText follows the rendering.
    assert.ok((await chart.locator("summary").textContent()).includes("Show as table"));
  }
  assert.ok((await app.testId("chart-conditions").locator("svg title").count()) >= 5, "bars carry tooltips");
  // A chart's table view is made when it is opened; its rows are the bars,
  // and a row filters like its bar.
  const conditions = app.testId("chart-conditions");
  assert.equal(await conditions.locator("tbody tr").count(), 0);
  await conditions.locator("summary").click();
  await conditions.locator("tbody tr").first().waitFor();
  assert.equal(await conditions.locator("tbody tr").count(), await conditions.locator(".mark[data-bar]").count());
  assert.deepEqual(await conditions.locator("thead th").allInnerTexts(), ["Condition", "patients", "Fact rows"]);
  const firstBar = await conditions.locator('.mark[data-bar="0"] title').textContent();
  const firstRow = await conditions.locator("tbody tr button").first().innerText();
  assert.ok(firstBar.startsWith(`${firstRow}:`), `${firstBar} / ${firstRow}`);
  await app.testId("chart-conditions").screenshot({ path: join(artifacts, "chart-conditions.png") });
  await app.testId("chart-monthly").screenshot({ path: join(artifacts, "chart-monthly.png") });
  assertKpisEqualCli(kpis, cliKpis(["--demo", "300"]));
  await page.screenshot({ path: join(artifacts, "demo.png"), fullPage: true });
  await conditions.locator("tbody tr button").first().click();
  await app.testId("chip-condition").waitFor();
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

test("clicking a bar cross-filters every chart and KPI, lives in the URL, and survives back, forward and reload", async () => {
  const set = join(shared, "dbt-synthea-v3.0.0");
  const files = readdirSync(set).filter((f) => f.endsWith(".csv")).map((f) => join(set, f));
  const byOrganization = cliTable([set], "gold/gold_encounters_by_organization");
  const all = cliKpis([set]);
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.chooseFiles(files);
  await app.waitForResults();
  const before = { providers: await app.chartSvg("providers"), conditions: await app.chartSvg("conditions") };

  // The organization chart's first bar is the CLI's busiest organization.
  const top = byOrganization[0];
  await app.testId("chart-organizations").locator('[data-bar="0"]').click();
  await app.testId("chip-org").waitFor();
  assert.match(await app.testId("chip-org").innerText(), new RegExp(`Organization: ${top.organization_name.trim().split(/\s+/)[0]}`));
  await app.waitForKpi("encounters", (v) => v === top.encounters);
  const filtered = await app.kpis();
  assert.equal(filtered.patients, top.patients, "patients seen at that organization");
  assert.ok(close(filtered.total_claim_cost, top.total_claim_cost), `cost ${filtered.total_claim_cost} vs ${top.total_claim_cost}`);
  assert.ok(close(filtered.payer_coverage_pct, (top.payer_coverage * 100) / top.total_claim_cost));
  // The other charts changed; the organization chart keeps every bar and highlights the choice.
  assert.notEqual(await app.chartSvg("providers"), before.providers);
  assert.notEqual(await app.chartSvg("conditions"), before.conditions);
  assert.match(await app.chartSvg("organizations"), /#D55E00/i);
  assert.match(await app.testId("filter-status").innerText(), new RegExp(`${top.encounters} encounters match`));
  const filteredUrl = page.url();
  assert.equal(new URL(filteredUrl).searchParams.get("org"), top.organization_name);
  await page.screenshot({ path: join(artifacts, "filtered.png"), fullPage: true });

  // Back: unfiltered again; forward: filtered again.
  await page.goBack();
  await app.waitForKpi("encounters", (v) => v === all.encounters);
  assert.equal(await app.testId("chip-org").count(), 0);
  await page.goForward();
  await app.waitForKpi("encounters", (v) => v === top.encounters);

  // A second filter from a select narrows further (F and M split the
  // organization's encounters); removing its chip undoes it.
  const org = `org=${top.organization_name}`;
  await app.testId("filter-gender").selectOption("F");
  await app.testId("chip-gender").waitFor();
  const female = (await app.waitForFilter(`gender=F&${org}`)).encounters;
  await app.testId("filter-gender").selectOption("M");
  const male = (await app.waitForFilter(`gender=M&${org}`)).encounters;
  assert.equal(female + male, top.encounters);
  await app.testId("chip-gender").click();
  assert.equal((await app.waitForFilter(org)).encounters, top.encounters);

  // Reload: the filter comes back from the URL once the files are chosen again.
  await page.reload();
  assert.equal(page.url(), filteredUrl);
  await app.chooseFiles(files);
  await app.waitForResults();
  await app.testId("chip-org").waitFor();
  await app.waitForKpi("encounters", (v) => v === top.encounters);

  // Shift-click adds a second organization: both are in the URL, as chips,
  // and the encounters are the two organizations' together.
  const second = byOrganization[1];
  await app.testId("chart-organizations").locator('[data-bar="1"]').click({ modifiers: ["Shift"] });
  await app.waitForKpi("encounters", (v) => v === top.encounters + second.encounters);
  assert.deepEqual(new URL(page.url()).searchParams.getAll("org").sort(), [top.organization_name, second.organization_name].sort());
  assert.equal(await app.testId("chip-org").count(), 2);
  assert.equal(await app.testId("filter-org").locator("option:checked").innerText(), "2 chosen");
  // Reloading the link keeps both; removing one chip leaves the other.
  await page.reload();
  await app.chooseFiles(files);
  await app.waitForResults();
  await app.waitForKpi("encounters", (v) => v === top.encounters + second.encounters);
  await app.testId("chip-org").filter({ hasText: second.organization_name.trim().split(/\s+/)[0] }).first().click();
  await app.waitForKpi("encounters", (v) => v === top.encounters);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a shared demo link rebuilds the same filtered view", async () => {
  const monthly = cliTable(["--demo", "300"], "gold/gold_encounters_monthly");
  const inpatient = monthly.filter((r) => r.encounter_class === "inpatient").reduce((n, r) => n + r.encounters, 0);
  const { page, foreign, errors } = await open(browser, `${url}?demo=300&class=inpatient`);
  const app = new AppPage(page);
  await app.waitForResults();
  await app.testId("chip-class").waitFor();
  await app.waitForKpi("encounters", (v) => v === inpatient);
  const series = await app.testId("chart-monthly").locator("svg").innerHTML();
  assert.ok(series.includes("inpatient") && !series.includes("wellness"), "only the inpatient line is drawn");
  await app.testId("clear-filters").click();
  await app.waitForKpi("encounters", (v) => v > inpatient);
  assert.equal(new URL(page.url()).search, "?demo=300");
  // Arrowing through a select's options (Chromium fires change on each key)
  // adds one history entry, not one per key; focus stays on the select.
  const entries = await page.evaluate(() => history.length);
  await app.testId("filter-gender").focus();
  await page.keyboard.press("ArrowDown");
  await app.testId("chip-gender").waitFor();
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("gender") === "M");
  assert.equal(await page.evaluate(() => history.length), entries + 1, "one history entry for one trip through the options");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "filter-gender");
  await page.goBack();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has("gender"));
  // A filter picked from a chart's table by keyboard keeps the table open
  // and the focus on the row the user picked.
  const chart = app.testId("chart-organizations");
  await chart.locator("summary").click();
  const pick = chart.locator('[data-testid="pick-organizations"]').first();
  const key = await pick.getAttribute("data-key");
  await pick.focus();
  await page.keyboard.press("Enter");
  await app.testId("chip-org").waitFor();
  await page.waitForFunction(
    (k) => document.activeElement?.dataset.testid === "pick-organizations" && document.activeElement?.dataset.key === k,
    key,
  );
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("tables page, sort and search in the worker, download alone, and a patient opens as a timeline", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.loadDemo(120);
  await app.waitForResults();
  // The star schema names every fact and dimension.
  const star = await app.testId("star-schema").locator("svg").innerHTML();
  for (const t of ["fact_encounters", "fact_claims", "dim_patient", "dim_date", "dim_payer"]) assert.ok(star.includes(t), t);
  assert.ok(star.includes("fact_encounters.patient_key → dim_patient"));

  await app.testId("open-dim_patient").first().click();
  await page.locator('[data-testid="explorer"][data-table="dim_patient"]').waitFor();
  // Opening a table brings it into view and moves the focus to it.
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "explorer-heading");
  const heading = await app.testId("explorer-heading").boundingBox();
  const viewport = page.viewportSize();
  assert.ok(heading.y >= 0 && heading.y < viewport.height, `explorer heading at y=${heading.y}`);
  assert.equal(await app.testId("page-range").innerText(), "1–25 of 120");
  assert.equal(await app.testId("explorer-table").locator("tbody tr").count(), 25);
  await app.testId("page-next").click();
  await page.locator('[data-testid="page-range"]', { hasText: "26–50 of 120" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "page-next", "a page turn keeps the focus");
  // Sort by key descending (two clicks): the first row is patient 120.
  await app.testId("sort-patient_key").click();
  await page.locator('th[aria-sort="ascending"]').waitFor();
  await app.testId("sort-patient_key").click();
  await page.locator('th[aria-sort="descending"]').waitFor();
  assert.equal(await app.testId("explorer-table").locator("tbody tr").first().locator("td").nth(1).innerText(), "120");
  // Search narrows to the rows holding the text.
  const name = await app.testId("explorer-table").locator("tbody tr").first().locator("td").nth(3).innerText();
  await app.testId("explorer-search").fill(name.toLowerCase());
  await app.testId("explorer-search").press("Enter");
  await page.locator(`[data-testid="explorer"][data-search="${name.toLowerCase()}"]`).waitFor();
  const matched = Number((await app.testId("page-range").innerText()).split(" of ")[1]);
  assert.ok(matched >= 1 && matched < 120, `search matched ${matched}`);

  // One table as CSV: every patient plus the header.
  const [csv] = await Promise.all([page.waitForEvent("download"), app.testId("download-table-csv").click()]);
  assert.equal(csv.suggestedFilename(), "dim_patient.csv");
  const csvPath = join(artifacts, "dim_patient.csv");
  await csv.saveAs(csvPath);
  assert.equal(readFileSync(csvPath, "utf8").trim().split("\r\n").length, 121);
  const [parquet] = await Promise.all([page.waitForEvent("download"), app.testId("download-table-parquet").click()]);
  const parquetPath = join(artifacts, "dim_patient.parquet");
  await parquet.saveAs(parquetPath);
  const rows = execFileSync("python3", ["-c", "import sys, pyarrow.parquet as pq; print(pq.read_table(sys.argv[1]).num_rows)", parquetPath], { encoding: "utf8" });
  assert.equal(Number(rows), 120);

  // A patient's timeline lists their encounters, conditions and more, oldest first.
  await app.testId("open-timeline").first().click();
  await app.testId("timeline").waitFor();
  const dates = await app.testId("timeline").locator("tbody tr td:first-child").allInnerTexts();
  assert.ok(dates.length > 0);
  assert.deepEqual([...dates].sort(), dates);
  assert.ok((await app.testId("timeline").innerText()).includes("encounter"));
  await page.screenshot({ path: join(artifacts, "explorer.png"), fullPage: true });

  // The rejects table opens the same way.
  await app.testId("open-bronze_rejects").first().click();
  await page.locator('[data-testid="explorer"][data-table="bronze_rejects"]').waitFor();
  assert.equal(await app.testId("page-range").innerText(), "0–0 of 0");
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the monthly chart is a calendar axis and a class keeps its colour under a filter", async () => {
  const { page, foreign, errors } = await open(browser, `${url}?demo=300`);
  const app = new AppPage(page);
  await app.waitForResults();
  // A panel per class, the biggest first; in each, every calendar month is
  // on the axis, each as wide as its days.
  const allStrips = await app.testId("chart-monthly").locator("svg rect.mark").evaluateAll((rects) =>
    rects.map((r) => {
      const [, month, panel] = r.querySelector("title").textContent.match(/^(\d{4}-\d{2}) · (.+): /);
      return { month, panel, x: Number(r.getAttribute("x")), width: Number(r.getAttribute("width")) };
    }));
  const panels = [...new Set(allStrips.map((s) => s.panel))];
  const totals = cliTable(["--demo", "300"], "gold/gold_encounters_monthly").reduce((t, r) => ({ ...t, [r.encounter_class]: (t[r.encounter_class] ?? 0) + r.encounters }), {});
  assert.deepEqual(panels, Object.keys(totals).sort((a, b) => totals[b] - totals[a] || a.localeCompare(b)), "a panel per class, the biggest first");
  const strips = allStrips.filter((s) => s.panel === panels[0]);
  assert.equal(allStrips.length, strips.length * panels.length, "every panel has every month");
  assert.ok(strips.length > 12, `${strips.length} months`);
  const days = (m) => new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate();
  const perDay = strips.reduce((s, r) => s + r.width, 0) / strips.reduce((s, r) => s + days(r.month), 0);
  for (let i = 0; i < strips.length; i++) {
    assert.ok(Math.abs(strips[i].width - days(strips[i].month) * perDay) <= 1, `${strips[i].month}: ${strips[i].width} px`);
    if (i > 0) {
      const [y, m] = strips[i - 1].month.split("-").map(Number);
      assert.equal(strips[i].month, m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`, "no month left out");
    }
  }
  // Wellness is drawn in the same colour unfiltered and filtered to wellness.
  const wellnessColour = "#E69F00";
  const strokes = async () => app.testId("chart-monthly").locator("svg polyline").evaluateAll((ls) => ls.map((l) => l.getAttribute("stroke").toUpperCase()));
  assert.ok((await strokes()).includes(wellnessColour));
  // A click on a panel chooses its class.
  await app.testId("chart-monthly").locator("svg rect.mark").nth(strips.length + 5).click();
  await app.testId("chip-class").waitFor();
  await app.waitForKpi("encounters", (v) => v === totals[panels[1]]);
  await page.goto(`${url}?demo=300&class=wellness`);
  await app.waitForResults();
  await app.testId("chip-class").waitFor();
  const filtered = await strokes();
  assert.ok(filtered.length > 0 && filtered.every((c) => c === wellnessColour || c === "#000000"), filtered.join(" "));
  await app.testId("chart-monthly").screenshot({ path: join(artifacts, "chart-monthly-wellness.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

/** A demo of 300 patients in its own context at `viewport` and colour
 * `scheme`, with the dashboard drawn; page errors are collected. */
async function openDemoAt(viewport, scheme) {
  const context = await browser.newContext({ viewport, colorScheme: scheme });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}?demo=300`);
  const app = new AppPage(page);
  await app.waitForResults();
  await app.testId("chart-monthly").locator("svg").waitFor();
  return { context, page, app, errors };
}

test("on a phone (390 px), light and dark, the page never scrolls sideways and no KPI value overflows its card", async () => {
  for (const scheme of ["light", "dark"]) {
    const { context, page, app, errors } = await openDemoAt({ width: 390, height: 844 }, scheme);
    const layout = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: innerWidth,
    }));
    assert.ok(layout.scroll <= layout.inner, `${scheme}: the page is ${layout.scroll} px wide at ${layout.inner}`);
    assert.deepEqual(await app.kpiValuesCutOff(), [], `${scheme}: KPI values cut off`);
    await page.screenshot({ path: join(artifacts, `phone-${scheme}.png`), fullPage: true });
    // A monthly chart's table keeps each value and month to one line (at
    // demo 300 every readmission month has a note), and the readmission
    // table, four short columns, fits its card without scrolling.
    const readmissions = app.testId("chart-readmissions");
    await readmissions.scrollIntoViewIfNeeded();
    await readmissions.locator("summary").click();
    const table = await readmissions.locator("table").evaluate((t) => {
      const lines = (cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      };
      return {
        wrapped: [...t.querySelectorAll("tbody td, tbody th")].filter((c) => lines(c) > 1).map((c) => c.textContent),
        notes: [...t.querySelectorAll("tbody td:last-child")].filter((c) => c.textContent === "not charted").length,
        scroll: t.scrollWidth,
        width: t.clientWidth,
      };
    });
    assert.deepEqual(table.wrapped, [], `${scheme}: table cells broken over lines`);
    assert.ok(table.notes > 0, `${scheme}: no month is marked "not charted" at demo 300`);
    assert.ok(table.scroll <= table.width, `${scheme}: the readmission table is ${table.scroll} px in ${table.width}`);
    await readmissions.screenshot({ path: join(artifacts, `phone-${scheme}-readmissions-table.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("at 1440x900, light and dark, the KPI cards and the first chart fit the first screen once the loader folds away", async () => {
  for (const scheme of ["light", "dark"]) {
    const { context, page, app, errors } = await openDemoAt({ width: 1440, height: 900 }, scheme);
    assert.equal(await app.testId("load-panel").evaluate((d) => d.open), false, "the loader folded away");
    const bottom = async (locator) => {
      const box = await locator.boundingBox();
      return box.y + box.height;
    };
    for (const card of await page.locator('[data-testid^="kpi-"]').all()) {
      assert.ok((await bottom(card)) <= 900, `${scheme}: ${await card.getAttribute("data-testid")} is below the first screen`);
    }
    const chartBottom = await bottom(app.testId("chart-monthly"));
    assert.ok(chartBottom <= 900, `${scheme}: the first chart ends at ${chartBottom} px`);
    assert.deepEqual(await app.kpiValuesCutOff(), [], `${scheme}: KPI values cut off`);
    // The charts follow the theme: their background is the page's, and in
    // dark mode their text is the page's text colour (plotters draws black).
    const colours = await app.testId("chart-monthly").evaluate((chart) => {
      const svg = chart.querySelector("svg");
      const fill = (e) => getComputedStyle(e).fill;
      return {
        background: fill(svg.querySelector('rect[fill="#FFFFFF"]')),
        text: fill(svg.querySelector("text")),
        page: getComputedStyle(document.body).backgroundColor,
        pageText: getComputedStyle(document.body).color,
      };
    });
    assert.equal(colours.background, colours.page, `${scheme}: the chart's background`);
    if (scheme === "dark") assert.equal(colours.text, colours.pageText, "dark: the chart's text");
    await page.screenshot({ path: join(artifacts, `desktop-${scheme}.png`) });
    // It unfolds again for another load.
    await app.openLoader();
    await app.testId("load-demo").waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("a date range outside the data or backwards is refused with the reason", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.loadDemo(40);
  await app.waitForResults();
  const all = (await app.kpis()).encounters;
  const from = app.testId("filter-from");
  const to = app.testId("filter-to");
  await from.fill("1850-01-01");
  await app.testId("date-error").waitFor();
  assert.match(await app.testId("date-error").innerText(), /The data runs from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
  assert.equal(await from.inputValue(), "", "the box goes back to the range in force");
  assert.equal((await app.kpis()).encounters, all, "nothing was filtered");
  // A valid end applies; a start after it is refused and leaves the end alone.
  const last = await to.getAttribute("max");
  await to.fill(last);
  await app.testId("chip-to").waitFor();
  await from.fill(last.replace(/^\d{4}/, (y) => String(Number(y) + 1)));
  await app.testId("date-error").waitFor();
  await to.fill(await to.getAttribute("min"));
  const first = await to.inputValue();
  await from.fill(last);
  assert.match(await app.testId("date-error").innerText(), new RegExp(`The start date ${last} is after the end date ${first}`));
  await app.testId("filters").screenshot({ path: join(artifacts, "date-error.png") });
  assert.equal(await from.inputValue(), "");
  assert.equal(await app.testId("chip-from").count(), 0);
  // The demo size box keeps to its bounds: a bad size is named and the
  // button waits for a good one.
  await app.openLoader();
  for (const bad of ["0", "100001", "12.5"]) {
    await app.testId("demo-patients").fill(bad);
    assert.match(await app.testId("demo-problem").innerText(), /Demo patients must be a whole number from 1 to 100,000/);
    assert.equal(await app.testId("load-demo").isDisabled(), true, bad);
  }
  await app.testId("demo-patients").fill("40");
  assert.equal(await app.testId("load-demo").isDisabled(), false);
  assert.equal(await app.testId("demo-problem").isHidden(), true);
  // A year's KPIs compare with the year before: the card's change is the
  // CLI-checked value against that year's own view.
  const year = Number(last.slice(0, 4)) - 1;
  await page.goto(`${url}?demo=40&from=${year - 1}-01-01&to=${year - 1}-12-31`);
  await app.waitForResults();
  await app.waitForFilter(`from=${year - 1}-01-01&to=${year - 1}-12-31`);
  const before = (await app.kpis()).encounters;
  await page.goto(`${url}?demo=40&from=${year}-01-01&to=${year}-12-31`);
  await app.waitForResults();
  await app.waitForFilter(`from=${year}-01-01&to=${year}-12-31`);
  assert.equal(await app.testId("previous-period").innerText(), `Changes compare with the previous period of the same length, ${year - 1}-01-01 – ${year - 1}-12-31.`);
  assert.equal(Number(await app.testId("kpi-encounters").getAttribute("data-previous")), before);
  const now = (await app.kpis()).encounters;
  const change = await app.testId("change-encounters").innerText();
  const expected = now === before ? "no change" : `${now > before ? "▲" : "▼"} ${(Math.abs(now - before) / before * 100).toFixed(1)} %`;
  assert.ok(change.startsWith(expected), `${change} / ${expected}`);
  assert.match(await app.testId("kpi-readmission_rate_30d").innerText(), /of \d+ index stays/);
  assert.equal(await app.testId("kpi-encounters").locator("svg.sparkline").count(), 1);
  await app.testId("dashboard").locator(".cards").screenshot({ path: join(artifacts, "kpi-changes.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the app installs a service worker and works offline after the first visit", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector('link[rel="manifest"]').href)).json());
  assert.equal(manifest.name, "Synthea Lakehouse");
  assert.equal(manifest.start_url, "./");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.context().setOffline(true);
  await page.reload();
  const app = new AppPage(page);
  await app.loadDemo(30);
  await app.waitForResults();
  assert.equal((await app.kpis()).patients, 30);
  await page.context().setOffline(false);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the Power BI, Delta and Databricks exports are built in the worker, pass the CLI's checks, and the model slices as the dashboard does", async () => {
  const { page, foreign, errors } = await open(browser, url);
  const app = new AppPage(page);
  await app.loadDemo(40);
  await app.waitForResults();
  await app.testId("unzip-folder").fill("E:\\PBI");
  await app.testId("unzip-folder").press("Tab");
  const unpack = async (button, name) => {
    const [download] = await Promise.all([page.waitForEvent("download"), app.testId(button).click()]);
    assert.equal(download.suggestedFilename(), name);
    const zip = join(artifacts, name);
    await download.saveAs(zip);
    const dir = tempDir("export-");
    execFileSync("python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zip, dir]);
    return dir;
  };
  const powerbi = await unpack("download-powerbi", "SyntheaLakehouse-powerbi.zip");
  const expressions = readFileSync(join(powerbi, "SyntheaLakehouse.SemanticModel/definition/expressions.tmdl"), "utf8");
  assert.ok(expressions.includes('"E:\\PBI\\data"'), expressions);
  const schemas = join(shared, "../powerbi-schemas");
  assert.match(execFileSync("python3", [join(root, "tests/checks/validate_pbip.py"), powerbi, schemas], { encoding: "utf8" }), /^ok: \d+ JSON files valid; \d+ report fields resolve/m);
  // The project from the tab is the CLI's, byte for byte: model, report pages, theme and Parquet.
  const cliPowerbi = tempDir("powerbi-");
  cliRun(["--demo", "40"], ["--powerbi", cliPowerbi, "--data-folder", "E:\\PBI"]);
  const walk = (dir, prefix = "") => readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, join(prefix, e.name)) : [join(prefix, e.name)]).sort();
  const files = walk(powerbi);
  assert.deepEqual(files, walk(cliPowerbi));
  assert.ok(files.some((f) => f.includes("SyntheaLakehouse.Report/definition/pages/")), "the report has pages");
  for (const file of files) {
    assert.ok(readFileSync(join(powerbi, file)).equals(readFileSync(join(cliPowerbi, file))), file);
  }
  // The model's measures under one slicer value, computed over its Parquet with its relationships,
  // equal the dashboard's KPIs under the same filter: a gender, and the payer with the most member months.
  const memberMonths = {};
  for (const r of cliTable(["--demo", "40"], "gold/gold_pmpm_monthly")) memberMonths[r.payer_name] = (memberMonths[r.payer_name] ?? 0) + r.member_months;
  const payer = Object.entries(memberMonths).sort((a, b) => b[1] - a[1])[0][0];
  for (const [key, value] of [["gender", "F"], ["payer", payer]]) {
    const model = JSON.parse(execFileSync("python3", [join(root, "tests/checks/check_powerbi_measures.py"), cliPowerbi, "--slice", `${key}=${value}`], { encoding: "utf8" }));
    const sliced = await open(browser, `${url}?demo=40&${key}=${encodeURIComponent(value)}`);
    const view = new AppPage(sliced.page);
    await view.waitForResults();
    await view.waitForKpi("encounters", (v) => v === model["Encounter Count"]);
    const kpis = await view.kpis();
    const pairs = [
      ["encounters", "Encounter Count", 1], ["member_months", "Member Months", 1], ["pmpm_paid", "PMPM Paid", 1],
      ["admits_per_1000", "Admits per 1000", 1], ["alos_days", "Average Length of Stay", 1],
      ["readmission_rate_30d", "Readmission Rate 30d", 1], ["total_claim_cost", "Total Claim Cost", 1], ["payer_coverage_pct", "Coverage %", 100],
    ];
    if (key === "gender") pairs.push(["patients", "Patient Count", 1]);
    for (const [kpi, measure, scale] of pairs) {
      const expected = model[measure] === null ? null : model[measure] * scale;
      assert.ok(expected === null ? kpis[kpi] === null : Math.abs(kpis[kpi] - expected) <= Math.max(0.01, Math.abs(expected) * 1e-9),
        `${key}=${value}: dashboard ${kpi} = ${kpis[kpi]}, Power BI [${measure}] = ${expected}`);
    }
    assert.deepEqual(sliced.foreign, []);
    assert.deepEqual(sliced.errors, []);
    await sliced.page.close();
  }
  const delta = await unpack("download-delta", "synthea-lakehouse-delta.zip");
  const report = execFileSync("python3", [join(root, "tests/checks/check_delta.py"), delta, cliRun(["--demo", "40"])], { encoding: "utf8" });
  assert.match(report, /^ok: 29 Delta tables read by deltalake equal the Parquet output/m);
  // The bundle from the tab is the CLI's, byte for byte (the CLI's is the one the Spark parity run checks).
  const bundle = await unpack("download-databricks", "synthea-lakehouse-databricks.zip");
  const cliBundle = tempDir("bundle-");
  cliRun(["--demo", "40"], ["--databricks", cliBundle]);
  for (const file of ["databricks.yml", "resources/synthea_lakehouse.job.yml", "src/01_bronze.sql", "src/02_silver.sql", "src/03_gold.sql", "scripts/run_spark.py", "README.md"]) {
    assert.equal(readFileSync(join(bundle, file), "utf8"), readFileSync(join(cliBundle, file), "utf8"), file);
  }
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Rows of the CLI's silver Parquet: `fact_encounters` rows of the organization named `name`, and of class `cls` (or any). */
function cliEncounters(out, name, cls) {
  const script = `
import sys, pyarrow.parquet as pq, pyarrow.compute as pc
out, name, cls = sys.argv[1:4]
e = pq.read_table(f"{out}/silver/fact_encounters.parquet")
o = pq.read_table(f"{out}/silver/dim_organization.parquet")
keys = o.filter(pc.equal(o["name"], name))["organization_key"]
chosen = pc.is_in(e["organization_key"], value_set=keys)
if cls:
    chosen = pc.and_(chosen, pc.equal(e["encounter_class"], cls))
print(pc.sum(pc.cast(chosen, "int64")).as_py())`;
  return Number(execFileSync("python3", ["-c", script, out, name, cls ?? ""], { encoding: "utf8" }));
}

test("a chart drills through to the rows behind a bar, under the dashboard's filters, and they download alone; a chart saves as SVG and PNG", async () => {
  const out = cliRun(["--demo", "300"]);
  const { page, foreign, errors } = await open(browser, `${url}?demo=300&class=wellness`);
  const app = new AppPage(page);
  await app.waitForResults();
  await app.waitForFilter("class=wellness");
  // A bar's "Rows" button in the chart's table: the encounters of that
  // organization that pass the filter, as many as the bar says.
  const chart = app.testId("chart-organizations");
  await chart.locator("summary").click();
  const row = chart.locator("tbody tr").first();
  const name = await row.locator('[data-testid="rows-organizations"]').getAttribute("data-key");
  const barValue = Number((await row.locator("td.number").innerText()).replace(/,/g, ""));
  await row.locator('[data-testid="rows-organizations"]').click();
  await page.locator(`[data-testid="explorer"][data-table="fact_encounters"][data-drill="class=wellness&org=${name}"]`).waitFor();
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "explorer-heading");
  const shown = Number((await app.testId("page-range").innerText()).split(" of ")[1].replace(/,/g, ""));
  assert.equal(shown, barValue, "the rows behind a bar are as many as the bar says");
  assert.equal(shown, cliEncounters(out, name, "wellness"), "and as a query on the CLI's Parquet finds");
  assert.ok((await app.testId("explorer-drill").innerText()).includes(`Organization: ${name}`));
  const classColumn = await app.testId("explorer-table").locator("thead th").allInnerTexts();
  const c = classColumn.findIndex((h) => h.startsWith("encounter_class"));
  assert.deepEqual([...new Set(await app.testId("explorer-table").locator(`tbody tr td:nth-child(${c + 1})`).allInnerTexts())], ["wellness"]);
  // The download holds those rows only.
  const [csv] = await Promise.all([page.waitForEvent("download"), app.testId("download-table-csv").click()]);
  assert.equal(csv.suggestedFilename(), "fact_encounters-filtered.csv");
  const csvPath = join(tempDir("drill-"), "rows.csv");
  await csv.saveAs(csvPath);
  assert.equal(readFileSync(csvPath, "utf8").trim().split("\r\n").length, shown + 1);
  const [parquet] = await Promise.all([page.waitForEvent("download"), app.testId("download-table-parquet").click()]);
  const parquetPath = join(tempDir("drill-"), "rows.parquet");
  await parquet.saveAs(parquetPath);
  const rows = execFileSync("python3", ["-c", "import sys, pyarrow.parquet as pq; print(pq.read_table(sys.argv[1]).num_rows)", parquetPath], { encoding: "utf8" });
  assert.equal(Number(rows), shown);
  await page.screenshot({ path: join(artifacts, "drill.png") });
  // "See rows" under a chart: every encounter the filtered dashboard counts.
  await app.testId("see-rows-monthly").click();
  await page.locator('[data-testid="explorer"][data-table="fact_encounters"][data-drill="class=wellness"]').waitFor();
  const encounters = (await app.kpis()).encounters;
  assert.equal(Number((await app.testId("page-range").innerText()).split(" of ")[1].replace(/,/g, "")), encounters);
  // "Show every row" leaves the drill-through.
  await app.testId("explorer-all-rows").click();
  await page.locator('[data-testid="explorer"][data-table="fact_encounters"]:not([data-drill])').waitFor();
  assert.ok(Number((await app.testId("page-range").innerText()).split(" of ")[1].replace(/,/g, "")) > encounters);

  // A chart as SVG (the drawing itself) and as PNG (rendered at twice its size).
  const [svg] = await Promise.all([page.waitForEvent("download"), app.testId("save-svg-monthly").click()]);
  assert.equal(svg.suggestedFilename(), "chart-monthly.svg");
  const svgPath = join(tempDir("chart-"), "chart.svg");
  await svg.saveAs(svgPath);
  const svgText = readFileSync(svgPath, "utf8");
  assert.ok(svgText.startsWith("<svg") && svgText.includes("Encounters by month and class"));
  const [png] = await Promise.all([page.waitForEvent("download"), app.testId("save-png-monthly").click()]);
  assert.equal(png.suggestedFilename(), "chart-monthly.png");
  const pngPath = join(tempDir("chart-"), "chart.png");
  await png.saveAs(pngPath);
  const bytes = readFileSync(pngPath);
  assert.equal(bytes.subarray(1, 4).toString(), "PNG");
  const width = bytes.readUInt32BE(16);
  const drawn = Number(svgText.match(/width="(\d+)"/)[1]);
  assert.equal(width, drawn * 2, "the PNG is twice the chart's size");
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

const axeSource = readFileSync(join(root, "tests/e2e/node_modules/axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it is. axe comes from node_modules
 * and runs through the DevTools protocol: the page's CSP rightly refuses an
 * injected script tag. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

test("axe-core finds no accessibility violation on any view, light or dark", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const page = await browser.newPage({ colorScheme });
    const app = new AppPage(page);
    const found = {};
    // Each view checked, then photographed at 1440x900 and 390x844.
    const check = async (name) => {
      found[name] = await axeViolations(page);
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.screenshot({ path: join(artifacts, `view-${name}-desktop-${colorScheme}.png`) });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(artifacts, `view-${name}-phone-${colorScheme}.png`) });
      await page.setViewportSize({ width: 1280, height: 720 });
    };
    await page.goto(url);
    await app.testId("load-demo").waitFor();
    await check("landing");
    await app.loadDemo(120);
    await app.waitForResults();
    // Every chart's table open, so that their tables are checked too.
    for (const summary of await page.locator('[data-testid^="chart-"] summary').all()) await summary.click();
    await page.locator('[data-testid="chart-monthly"] tbody tr').first().waitFor();
    await check("dashboard");
    // Each chart says what it shows to a screen reader.
    assert.match(await app.testId("summary-conditions").getAttribute("aria-label"), /^Top conditions\. 10 bars of patients, from .+ \(\d+\) to .+ \(\d+\)\./);
    assert.match(await app.testId("summary-monthly").getAttribute("aria-label"), /^Encounters by month and class\. \d+ months from \d{4}-\d{2} to \d{4}-\d{2}; series: .*wellness/);
    await app.testId("filter-class").selectOption("wellness");
    await app.waitForFilter("class=wellness");
    await check("filtered");
    await app.testId("open-dim_patient").first().click();
    await app.testId("open-timeline").first().click();
    await app.testId("timeline").waitFor();
    await check("explorer");
    await app.testId("see-rows-organizations").click();
    await app.testId("explorer-drill").waitFor();
    await check("drill");
    await page.goto(url);
    await app.chooseFiles([join(root, "tests/fixtures/invalid/missing_patients_file/encounters.csv")]);
    await app.waitForError();
    await check("error");
    const clean = Object.fromEntries(Object.keys(found).map((view) => [view, []]));
    assert.deepEqual(found, clean, `${colorScheme}: violations by view`);
    await page.close();
  }
});

test("files dropped on the drop zone are loaded", async () => {
  const mini = join(root, "tests/fixtures/mini");
  const files = readdirSync(mini).filter((f) => f.endsWith(".csv")).map((name) => ({ name, text: readFileSync(join(mini, name), "utf8") }));
  const { page, errors } = await open(browser, url);
  const app = new AppPage(page);
  const transfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text], f.name, { type: "text/csv" }));
    return dt;
  }, files);
  await app.testId("drop-zone").dispatchEvent("drop", { dataTransfer: transfer });
  await app.waitForResults();
  assert.equal((await app.kpis()).patients, 6);
  assert.equal(await app.tableRows("bronze_patients"), 6);
  assert.deepEqual(errors, []);
  await page.close();
});
