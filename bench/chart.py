#!/usr/bin/env python3
"""Time against input size for every contender, as an SVG line chart (log-log).

Usage: chart.py NATIVE_JSON BROWSER_JSONL OUT_SVG
NATIVE_JSON is bench/native.py's results file (the 2-core runs of the
engines that do the whole job are drawn; the plain DuckDB job is not);
BROWSER_JSONL holds one JSON line per browser run (bench/pipeline.mjs and
bench/duckdb_wasm.mjs). Only dbt-synthea inputs are drawn, so that every
point of a line is the same data at a different scale."""
import json
import math
import sys

native_path, browser_path, out_path = sys.argv[1:4]
series = {}
with open(native_path, encoding="utf-8") as handle:
    for row in json.load(handle):
        if row["cores"] == 2 and row["input"].startswith("dbt-synthea"):
            # The plain DuckDB job (bench/duckdb_plain.py) builds 10 tables,
            # not every gold table: it is a floor in the tables, not a line here.
            name = {
                "lakehouse": "lakehouse run (native)",
                "handwritten": "DuckDB, hand-written (native)",
                "tuned": "DuckDB, tuned (native)",
                "duckdb": "DuckDB, translated (native)",
                "polars": "Polars (native)",
            }.get(row["engine"])
            if name:
                series.setdefault(name, []).append((row["mb"], row["wall_s"]))
with open(browser_path, encoding="utf-8") as handle:
    for line in handle:
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if "dbt-synthea" not in row["input"]:
            continue
        name = "DuckDB-WASM (tab)" if row.get("engine") == "duckdb-wasm" else "our app (tab)"
        series.setdefault(name, []).append((row["input_mb"], row["pipeline_seconds"]))

COLORS = {
    "lakehouse run (native)": ("#1f6feb", ""),
    "our app (tab)": ("#1f6feb", "6 4"),
    "DuckDB, hand-written (native)": ("#3d2e00", ""),
    "DuckDB, tuned (native)": ("#7a5c00", ""),
    "DuckDB, translated (native)": ("#d4a017", ""),
    "DuckDB-WASM (tab)": ("#d4a017", "6 4"),
    "Polars (native)": ("#cc3311", ""),
}
W, H, LEFT, RIGHT, TOP, BOTTOM = 780, 420, 70, 260, 40, 50
points = [p for values in series.values() for p in values]
x_lo, x_hi = math.log10(min(p[0] for p in points)) - 0.1, math.log10(max(p[0] for p in points)) + 0.1
y_lo, y_hi = math.floor(math.log10(min(p[1] for p in points))), math.ceil(math.log10(max(p[1] for p in points)))


def x(mb):
    return LEFT + (math.log10(mb) - x_lo) / (x_hi - x_lo) * (W - LEFT - RIGHT)


def y(seconds):
    return H - BOTTOM - (math.log10(seconds) - y_lo) / (y_hi - y_lo) * (H - TOP - BOTTOM)


svg = [
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
    'font-family="sans-serif" font-size="12">',
    f'<rect width="{W}" height="{H}" fill="white"/>',
    f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">Time to every gold table, '
    'dbt-synthea scaled (log-log; lower is better)</text>',
]
for decade in range(y_lo, y_hi + 1):
    for step in (1, 2, 5):
        value = step * 10 ** decade
        if y_lo <= math.log10(value) <= y_hi:
            svg.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>')
            svg.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g} s</text>')
for mb in sorted({p[0] for p in points}):
    svg.append(f'<line x1="{x(mb):.1f}" x2="{x(mb):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#eee"/>')
    svg.append(f'<text x="{x(mb):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{mb:.0f} MB</text>')
svg.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 10}" text-anchor="middle">CSV input</text>')
for index, (name, values) in enumerate(sorted(series.items())):
    color, dash = COLORS[name]
    values = sorted(values)
    path = " ".join(f"{x(mb):.1f},{y(s):.1f}" for mb, s in values)
    svg.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5" stroke-dasharray="{dash}"/>')
    for mb, s in values:
        svg.append(f'<circle cx="{x(mb):.1f}" cy="{y(s):.1f}" r="3.5" fill="{color}"/>')
    ly = TOP + 20 + index * 22
    svg.append(f'<line x1="{W - RIGHT + 15}" x2="{W - RIGHT + 45}" y1="{ly}" y2="{ly}" stroke="{color}" '
               f'stroke-width="2.5" stroke-dasharray="{dash}"/>')
    svg.append(f'<text x="{W - RIGHT + 52}" y="{ly + 4}">{name}</text>')
svg.append("</svg>")
with open(out_path, "w", encoding="utf-8") as handle:
    handle.write("\n".join(svg) + "\n")
