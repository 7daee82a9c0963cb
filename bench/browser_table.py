#!/usr/bin/env python3
"""Markdown table of browser runs (JSON lines from bench/pipeline.mjs and
bench/duckdb_wasm.mjs), with our app's time and memory as a ratio of
DuckDB-WASM's on the same input from the same run, and for our app the longest
main-thread task while it worked: files chosen as the page became interactive,
and 2 s later (bench/pipeline.mjs says why both).
Usage: browser_table.py RESULTS_JSONL"""
import json
import os
import sys

runs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.startswith("{")]
ours = {os.path.basename(r["input"]): r for r in runs if r.get("engine") != "duckdb-wasm"}
print("| input | MB | engine | time s | MB/s | renderer peak RSS MB | RSS / input | ours ÷ this: time | ours ÷ this: memory | longest main-thread task, ms: files at load, 2 s later |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for run in runs:
    name = os.path.basename(run["input"])
    engine = run.get("engine", "our app")
    base = ours.get(name)
    time_ratio = f"{base['pipeline_seconds'] / run['pipeline_seconds']:.2f}" if base else ""
    memory_ratio = f"{base['renderer_peak_rss_mb'] / run['renderer_peak_rss_mb']:.2f}" if base else ""
    settled = run.get("settled")
    tasks = f"{run['longest_task_while_processing_ms']:.0f}, {settled['longest_task_while_processing_ms']:.0f}" if settled else ""
    print(
        f"| {name} | {run['input_mb']:.0f} | {engine} | {run['pipeline_seconds']:.2f} | {run['mb_per_s']:.1f} "
        f"| {run['renderer_peak_rss_mb']} | {run['renderer_peak_per_input_byte']:.2f} | {time_ratio} | {memory_ratio} | {tasks} |"
    )
