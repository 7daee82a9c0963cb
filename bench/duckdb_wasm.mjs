// DuckDB-WASM (npm @duckdb/duckdb-wasm, served from bench/node_modules) in
// headless Chromium, on the same files as bench/pipeline.mjs, running the
// DuckDB translation of the bundle SQL (bench/duckdb_pipeline.py translate)
// up to every gold table built, as our app does before its dashboard.
// Usage: node duckdb_wasm.mjs SQL_FILE CSV_DIR ; prints one JSON line.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, launch } from "../tests/e2e/specs/support.mjs";
import { csvFiles, rendererPeakMb } from "./support.mjs";

const [sqlFile, dir] = process.argv.slice(2);
const statements = readFileSync(sqlFile, "utf8").split(";\n\n").filter((s) => s.trim());
const { files, bytes } = csvFiles(dir);
// This folder (the page and node_modules) served like the app's dist/.
const { server, url } = await serve(dirname(fileURLToPath(import.meta.url)));
const browser = await launch();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => process.env.BENCH_DEBUG && console.error(m.text()));
  await page.goto(url + "duckdb_wasm.html");
  await page.waitForFunction(() => window.ready === true, null, { timeout: 120_000 }).catch(() => {
    throw new Error("DuckDB-WASM did not start: " + errors.join("; "));
  });
  const instantiateMs = await page.evaluate(() => window.instantiateMs);
  const started = Date.now();
  await page.locator("#files").setInputFiles(files);
  const result = await page.evaluate((s) => window.runPipeline(s), statements);
  const seconds = (result.doneAt - started) / 1000;
  const peak = rendererPeakMb();
  console.log(JSON.stringify({
    engine: "duckdb-wasm",
    input: dir,
    input_mb: +(bytes / 1e6).toFixed(1),
    instantiate_ms: Math.round(instantiateMs),
    pipeline_seconds: seconds,
    sql_seconds: +(result.total / 1000).toFixed(2),
    notebook_starts_s: Object.fromEntries(Object.entries(result.marks).map(([k, v]) => [k, +(v / 1000).toFixed(2)])),
    mb_per_s: +(bytes / 1e6 / seconds).toFixed(1),
    renderer_peak_rss_mb: peak,
    renderer_peak_per_input_byte: +(peak * 1048576 / bytes).toFixed(2),
    tables: Object.keys(result.rows).length,
    gold_kpis_rows: result.rows.gold_kpis,
    fact_encounters_rows: result.rows.fact_encounters,
  }));
} finally {
  await browser.close();
  server.close();
}
