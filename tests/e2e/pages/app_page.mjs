// Page object for the Synthea Lakehouse app: locators by data-testid only.

export class AppPage {
  constructor(page) {
    this.page = page;
  }

  testId(id) {
    return this.page.locator(`[data-testid="${id}"]`);
  }

  /** Unfolds the loader (it folds away once a lakehouse is on screen). */
  async openLoader() {
    const panel = this.testId("load-panel");
    if (!(await panel.evaluate((d) => d.open))) await panel.locator(":scope > summary").click();
  }

  async loadDemo(patients) {
    await this.openLoader();
    await this.testId("demo-patients").fill(String(patients));
    await this.testId("load-demo").click();
  }

  async chooseFiles(paths) {
    await this.testId("file-input").setInputFiles(paths);
  }

  /** Waits for every part of the results (they render in three tasks). */
  async waitForResults(timeout = 180_000) {
    await this.testId("results").waitFor({ timeout });
    await this.testId("tables").waitFor({ timeout });
    await this.page.locator('[data-testid="chart-monthly"]').waitFor({ timeout });
  }

  async waitForError(timeout = 60_000) {
    await this.testId("error").waitFor({ timeout });
    return this.testId("error").innerText();
  }

  /** The text of every KPI value wider than its card. */
  async kpiValuesCutOff() {
    return this.page.evaluate(() =>
      [...document.querySelectorAll(".card-value")].filter((v) => v.scrollWidth > v.clientWidth + 1).map((v) => v.textContent),
    );
  }

  /** KPI id → unformatted value (as the worker computed it). */
  async kpis() {
    const cards = await this.page.locator('[data-testid^="kpi-"]').all();
    const values = {};
    for (const card of cards) {
      const id = (await card.getAttribute("data-testid")).slice("kpi-".length);
      const raw = await card.getAttribute("data-raw");
      values[id] = raw === "" ? null : Number(raw);
    }
    return values;
  }

  /** Waits until the KPI `id` holds `value` (the worker answers asynchronously). */
  async waitForKpi(id, predicate, timeout = 30_000) {
    const started = Date.now();
    for (;;) {
      const value = (await this.kpis())[id];
      if (predicate(value)) return value;
      if (Date.now() - started > timeout) throw new Error(`KPI ${id} stayed ${value}`);
      await this.page.waitForTimeout(50);
    }
  }

  /** Waits until the dashboard shows the view of `filter` (`key=value&…`). */
  async waitForFilter(filter, timeout = 30_000) {
    await this.page.locator(`[data-testid="dashboard"][data-filter="${filter}"]`).waitFor({ timeout });
    return this.kpis();
  }

  /** The SVG markup of a chart. */
  async chartSvg(id) {
    return this.testId(`chart-${id}`).locator("svg").evaluate((svg) => svg.outerHTML);
  }

  async tableRows(name) {
    return Number((await this.testId(`rows-${name}`).innerText()).replaceAll(",", ""));
  }
}
