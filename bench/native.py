#!/usr/bin/env python3
"""Native benchmark: `lakehouse run` (release build) against DuckDB and Polars doing the
same job (read every CSV; build the bronze, star and gold tables;
write them as Snappy Parquet), on scaled real data. Wall time, peak RSS and
MB/s of input, pinned to one core and free on two.

Usage: native.py BIN RESULTS_JSON INPUT_DIR...
Prints a Markdown table (ratios against `lakehouse run` from the same run)
and writes every measurement to RESULTS_JSON for bench/chart.py.

Before timing, each input gets its bundle (`lakehouse export --databricks`),
its DuckDB script (bench/duckdb_pipeline.py translate), the tuned DuckDB
script (bench/duckdb_tuned.py: that script with its slow statements
rewritten as a DuckDB user would) and the hand-written one
(bench/duckdb_handwritten.py: bronze written for DuckDB by hand, typed
read_csv with store_rejects, then the tuned silver and gold); then, once per
input and untimed, each
contender's output is compared table by table with ours (--check), so every
contender is known to do the same job. The Polars
contender runs the same SQL through Polars' SQL engine
(bench/polars_pipeline.py). The plain DuckDB job (bench/duckdb_plain.py)
is a floor, not the same job, and is not checked.

BENCH_CONTENDERS (comma-separated, default lakehouse,plain,handwritten,tuned,duckdb,polars)
picks the engines; lakehouse first gives the ratios. BENCH_ROUNDS (default 3)
runs every engine that many times per input and core count, the engines
interleaved within each round (so a slow minute of the machine falls on all of
them); the table gives each engine's fastest round, its median, and its
largest peak RSS, and the ratios compare fastest rounds. This machine's wall
times drift by 10 % and more between minutes: one round decided, and reversed,
verdicts on ratios near a target.

After the table, the time per MB of input of `lakehouse run` (fastest round)
per core count, across the inputs of one export at its scales (issue 19:
flat within ±10 % from ×10 to ×300)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
binary, results_path, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]


def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs if f.endswith(".csv"))


def timed(command, cores, env=None):
    """Wall seconds and peak RSS (MB, 10^6 bytes, as the input's size is) of one run; `cores` 1 pins to core 0."""
    pin = ["taskset", "-c", "0"] if cores == 1 else []
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *pin, *command],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    wall, rss_kb = result.stderr.strip().splitlines()[-1].split()
    # time's %M is in KiB: 1,024 bytes each.
    return float(wall), int(rss_kb) * 1024 / 1e6


def scripts(work):
    """Where prepare() writes the DuckDB script, the Polars plan, the tuned and the hand-written DuckDB scripts."""
    return (os.path.join(work, "pipeline.duckdb.sql"), os.path.join(work, "pipeline.polars.json"),
            os.path.join(work, "pipeline.tuned.sql"), os.path.join(work, "pipeline.handwritten.sql"))


def contenders(work, path):
    """name -> (command writing Parquet to OUT, extra environment per core count)."""
    sql, plan, tuned, handwritten = scripts(work)
    return {
        "lakehouse": lambda out, cores: ([binary, "run", path, "--out", out, "--quiet"], {}),
        "duckdb": lambda out, cores: (
            [sys.executable, os.path.join(HERE, "duckdb_pipeline.py"), "run", sql, path, out, "--threads", str(cores)],
            {},
        ),
        "tuned": lambda out, cores: (
            [sys.executable, os.path.join(HERE, "duckdb_tuned.py"), "run", tuned, path, out, "--threads", str(cores)],
            {},
        ),
        "handwritten": lambda out, cores: (
            [sys.executable, os.path.join(HERE, "duckdb_handwritten.py"), "run", handwritten, path, out,
             "--threads", str(cores)],
            {},
        ),
        # A floor, not the same job: bench/duckdb_plain.py says what it leaves out.
        "plain": lambda out, cores: (
            [sys.executable, os.path.join(HERE, "duckdb_plain.py"), path, out, "--threads", str(cores)],
            {},
        ),
        "polars": lambda out, cores: (
            [sys.executable, os.path.join(HERE, "polars_pipeline.py"), "run", plan, path, out, "--threads", str(cores)],
            {},
        ),
    }


def prepare(work, path):
    """Our own run (the reference for --check), the bundle, and each contender's script or plan."""
    reference = os.path.join(work, "reference")
    sql, plan, tuned, handwritten = scripts(work)
    subprocess.run([binary, "run", path, "--out", reference, "--databricks", os.path.join(work, "bundle"), "--quiet"], check=True)
    subprocess.run(
        [sys.executable, os.path.join(HERE, "duckdb_pipeline.py"), "translate", os.path.join(work, "bundle"), sql],
        check=True,
    )
    subprocess.run([sys.executable, os.path.join(HERE, "polars_pipeline.py"), "translate", sql, plan], check=True)
    subprocess.run(
        [sys.executable, os.path.join(HERE, "duckdb_tuned.py"), "translate", os.path.join(work, "bundle"), tuned],
        check=True,
    )
    subprocess.run(
        [sys.executable, os.path.join(HERE, "duckdb_handwritten.py"), "translate", os.path.join(work, "bundle"), path,
         handwritten],
        check=True,
    )
    return reference


def check(work, path, reference, names):
    for name in names:
        if name in ("lakehouse", "plain"):
            continue
        command, env = contenders(work, path)[name](os.path.join(work, "check-" + name), 2)
        result = subprocess.run(
            [*command, "--check", reference], capture_output=True, text=True, env={**os.environ, **env},
        )
        verdict = result.stdout.strip().splitlines()[-1:] or [result.stderr.strip()[-300:]]
        print(f"<!-- {os.path.basename(path)} {name}: {verdict[0]} -->", flush=True)
        if result.returncode != 0:
            raise SystemExit(f"{name} does not produce the same tables as lakehouse run:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def rounds():
    value = os.environ.get("BENCH_ROUNDS", "3")
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"BENCH_ROUNDS must be a whole number of at least 1, not `{value}`")
    return int(value)


def per_mb(results):
    """ms per MB of input of `lakehouse run`'s fastest round, per core count, across the scales
    of each export (inputs named EXPORT-xN), and its change from the second-smallest scale (the
    smallest pays a fixed start) and from the smallest to the largest."""
    # (export, copies, cores, ms per MB) of each scaled input of ours.
    ours = [(*r["input"].rsplit("-x", 1), r["cores"], 1000 * r["wall_s"] / r["mb"])
            for r in results if r["engine"] == "lakehouse" and "-x" in r["input"]]
    header = False
    for export in sorted({o[0] for o in ours}):
        for cores in (1, 2):
            scaled = sorted((int(copies), ms) for e, copies, c, ms in ours if e == export and c == cores)
            if len(scaled) < 2:
                continue
            if not header:
                header = True
                print()
                print("| export | cores | ms per MB at each scale (fastest round) "
                      "| change, second-smallest to largest | change, smallest to largest |")
                print("|---|---:|---|---:|---:|")
            cells = ", ".join(f"×{copies} {ms:.1f}" for copies, ms in scaled)
            second = scaled[1][1] if len(scaled) > 2 else scaled[0][1]
            print(f"| {export} | {cores} | {cells} | {100 * (scaled[-1][1] / second - 1):+.0f} % "
                  f"| {100 * (scaled[-1][1] / scaled[0][1] - 1):+.0f} % |")


def main():
    names = [n for n in os.environ.get("BENCH_CONTENDERS", "lakehouse,plain,handwritten,tuned,duckdb,polars").split(",") if n]
    count = rounds()
    results = []
    print(f"Each engine {count} time(s) per input and core count, interleaved; wall = the fastest round.")
    print()
    print("| input | MB | cores | engine | wall s | median s | peak RSS MB | RSS / input | MB/s | lakehouse time ÷ this |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for path in inputs:
        mb = size(path) / 1e6
        with tempfile.TemporaryDirectory() as work:
            reference = prepare(work, path)
            check(work, path, reference, names)
            for cores in (1, 2):
                runs = {name: [] for name in names}
                for _ in range(count):
                    for name in names:
                        with tempfile.TemporaryDirectory() as out:
                            command, env = contenders(work, path)[name](out, cores)
                            runs[name].append(timed(command, cores, env))
                ours = min(wall for wall, _ in runs["lakehouse"]) if "lakehouse" in runs else None
                for name in names:
                    walls = [wall for wall, _ in runs[name]]
                    wall, rss = min(walls), max(rss for _, rss in runs[name])
                    ratio = f"{ours / wall:.2f}" if ours else ""
                    print(
                        f"| {os.path.basename(path)} | {mb:.0f} | {cores} | {name} | {wall:.2f} | {statistics.median(walls):.2f} "
                        f"| {rss:.0f} | {rss / mb:.2f} | {mb / wall:.0f} | {ratio} |",
                        flush=True,
                    )
                    results.append({"input": os.path.basename(path), "mb": round(mb, 1), "cores": cores,
                                    "engine": name, "wall_s": wall, "walls_s": walls, "rss_mb": round(rss)})
    per_mb(results)
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
