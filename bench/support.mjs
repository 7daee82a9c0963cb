// Helpers shared by the browser benchmark drivers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The CSV files of a folder, and their total size in bytes. */
export function csvFiles(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".csv")).map((f) => join(dir, f));
  return { files, bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
}

// Peak resident memory of Chromium's renderer processes (VmHWM from /proc):
// the page, its workers and their WebAssembly memory together, measured the
// same way for every browser contender. Call before closing the browser;
// the benchmarks run one browser at a time.

export function rendererPeakMb() {
  let peak = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // the process ended while we looked
    }
  }
  return Math.round(peak);
}
