// Shared set-up: serve dist/ from a sub-path on loopback, launch Debian's
// Chromium through playwright-core, record every request, run the CLI.

import { before, after } from "node:test";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync, statSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const shared = process.env.LAKEHOUSE_SYNTHEA_DIR ?? resolve(root, "../shared/synthea");
export const artifacts = resolve(root, "tests/e2e/artifacts");
mkdirSync(artifacts, { recursive: true });

const types = {
  ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css",
  ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml", ".png": "image/png",
};
export const SUB_PATH = "/synthea-lakehouse/app/";

/** Serves dist/ (or $LAKEHOUSE_DIST: a benchmark can compare two builds)
 * at SUB_PATH on 127.0.0.1; resolves to the base URL. */
/**
 * Serves dist/ and launches Chromium once for a test file (node:test's
 * before/after); `ready(url, browser)` receives them before the first test.
 */
export function serveAndLaunch(ready) {
  let server, browser;
  before(async () => {
    let url;
    ({ server, url } = await serve());
    browser = await launch();
    ready(url, browser);
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
}

export function serve(dist = process.env.LAKEHOUSE_DIST ?? resolve(root, "dist")) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://localhost");
    if (!url.pathname.startsWith(SUB_PATH)) {
      response.writeHead(404).end();
      return;
    }
    let file = join(dist, decodeURIComponent(url.pathname.slice(SUB_PATH.length)) || "index.html");
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done({ server, url: `http://127.0.0.1:${server.address().port}${SUB_PATH}` })));
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}

/** A new page that records requests leaving the origin and page errors. */
export async function open(browser, url) {
  const page = await browser.newPage();
  const origin = new URL(url).origin;
  const foreign = [];
  const errors = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, foreign, errors };
}

const temporary = [];
// Temporary folders go when the test file's process ends well (about 50 MB
// a run otherwise stays in /tmp); after a failure they stay for a look.
process.on("exit", (code) => {
  if (code === 0) for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temporary folder, removed at a clean exit. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** Runs `lakehouse run ARGS --out DIR`; returns DIR. */
export function cliRun(args, extra = []) {
  const bin = process.env.LAKEHOUSE_BIN ?? resolve(root, "target/debug/lakehouse");
  const out = tempDir("lakehouse-e2e-");
  execFileSync(bin, ["run", ...args, "--out", out, "--quiet", ...extra]);
  return out;
}

/** The lakehouse CLI's gold_kpis for the same input, as {column: number|null}. */
export function cliKpis(args) {
  const out = cliRun(args, ["--csv"]);
  const [header, row] = readFileSync(join(out, "gold/gold_kpis.csv"), "utf8").trim().split("\r\n");
  const names = header.split(",");
  const values = row.split(",");
  return Object.fromEntries(names.map((n, i) => [n, values[i] === "" ? null : Number(values[i])]));
}

export function close(a, b) {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** Parses RFC 4180 CSV text (quoted fields, CRLF) into rows of strings. */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** A CLI output table (`gold/gold_kpis`…) as objects, numbers parsed where numeric. */
export function cliTable(args, table) {
  const out = cliRun(args, ["--csv"]);
  const [header, ...rows] = parseCsv(readFileSync(join(out, `${table}.csv`), "utf8"));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] === "" ? null : isNaN(Number(r[i])) ? r[i] : Number(r[i])])));
}
