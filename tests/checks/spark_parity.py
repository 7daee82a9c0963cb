#!/usr/bin/env python3
"""Spark parity: the Databricks bundle's SQL, run on local PySpark, builds the
same lakehouse as the Rust pipeline.

For each dataset folder given, this runs `lakehouse run` (the reference) and
`lakehouse export --databricks` (the bundle), executes the bundle's notebooks
with the bundle's own thin runner (scripts/run_spark.py) on a local Spark
session, and asserts:

- every table of the Rust run exists in Spark with the same row count
  (bronze incl. bronze_rejects, silver, gold, dq_results);
- the same columns with the same types (int64=bigint, float64=double, ...);
- every gold_kpis value is equal (floats to 1e-9 relative: Spark adds in
  another order);
- every dq_results rule has the same rows_checked and rows_failed;
- every silver and gold table holds the same rows (as multisets; floats
  rounded to 9 significant digits).

Usage: spark_parity.py LAKEHOUSE_BIN WORK_DIR DATASET_DIR [DATASET_DIR ...]
"""

import contextlib
import io
import json
import math
import os
import runpy
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timezone

import pyarrow.parquet as pq

TYPES = {
    "int64": "bigint",
    "double": "double",
    "string": "string",
    "large_string": "string",
    "bool": "boolean",
    "date32[day]": "date",
    "timestamp[us, tz=UTC]": "timestamp",
}


def arrow_type(field):
    text = str(field.type)
    if text.startswith("dictionary<values=string"):
        return "string"
    return TYPES.get(text, text)


def normal(value):
    """A comparable form of one cell."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return normal(a) == normal(b)


def sort_key(row):
    """Rows ordered by their exact columns first, then by rounded floats."""
    exact = tuple((v is None, "" if isinstance(v, float) else str(v)) for v in row)
    rounded = tuple(float(f"{v:.6g}") if isinstance(v, float) else 0.0 for v in row)
    return exact, rounded


def first_difference(spark_rows, rust_rows):
    """The first pair of rows that differ (floats to 1e-9 relative), or None."""
    for a, b in zip(sorted(spark_rows, key=sort_key), sorted(rust_rows, key=sort_key)):
        if len(a) != len(b) or not all(close(x, y) for x, y in zip(a, b)):
            return a, b
    return None


def rust_rows(path):
    table = pq.read_table(path)
    return table, [tuple(normal(v) for v in row.values()) for row in table.to_pylist()]


def run_as_a_user_would(bundle, dataset, warehouse, schema):
    """`python scripts/run_spark.py --source DATASET ...`, the README's
    command, with the bundle's own copy of the runner run as `__main__`. It
    runs in this process, so it reuses this Spark session. Returns the exit
    code and what it printed."""
    script = os.path.join(bundle, "scripts", "run_spark.py")
    saved = sys.argv
    sys.argv = [script, "--source", dataset, "--warehouse", warehouse, "--schema", schema]
    printed = io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_path(script, run_name="__main__")
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    finally:
        sys.argv = saved
    return code, printed.getvalue()


def check_dataset(spark, lakehouse, work, dataset):
    name = os.path.basename(dataset.rstrip("/"))
    schema = "parity_" + "".join(c if c.isalnum() else "_" for c in name)
    out = os.path.join(work, name, "rust")
    bundle = os.path.join(work, name, "bundle")
    shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    subprocess.run(
        [lakehouse, "run", dataset, "--out", out, "--databricks", bundle, "--quiet"],
        check=True,
    )
    started = time.time()
    spark.sql(f"DROP DATABASE IF EXISTS {schema} CASCADE")
    code, printed = run_as_a_user_would(
        bundle, os.path.abspath(dataset), os.path.join(work, "warehouse"), schema
    )
    seconds = time.time() - started
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    failures = []
    if code != 0:
        failures.append(f"scripts/run_spark.py exited {code}:\n{printed[-2000:]}")
    listed = {line.split(":")[0] for line in printed.splitlines() if line.endswith(" rows")}
    unlisted = sorted(e["name"] for e in manifest["tables"] if e["name"] not in listed)
    if unlisted:
        failures.append(f"scripts/run_spark.py did not list {unlisted}")
    compared = 0
    for entry in manifest["tables"]:
        table = entry["name"]
        path = os.path.join(out, entry["layer"], table + ".parquet")
        try:
            frame = spark.table(f"{schema}.{table}")
        except Exception as error:  # noqa: BLE001 - reported as a failure
            failures.append(f"{table}: missing in Spark ({str(error).splitlines()[0]})")
            continue
        rust_table, rust = rust_rows(path)
        spark_types = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
        expected_types = [(f.name, arrow_type(f)) for f in rust_table.schema]
        if spark_types != expected_types:
            failures.append(f"{table}: columns differ\n  rust:  {expected_types}\n  spark: {spark_types}")
            continue
        rows = [tuple(normal(v) for v in row) for row in frame.collect()]
        if len(rows) != entry["rows"]:
            failures.append(f"{table}: {len(rows)} rows in Spark, {entry['rows']} in Rust")
            continue
        if entry["layer"] in ("silver", "gold") and table not in ("dq_results", "gold_kpis"):
            compared += 1
            mismatch = first_difference(rows, rust)
            if mismatch:
                failures.append(f"{table}: rows differ\n  Spark: {mismatch[0]}\n  Rust:  {mismatch[1]}")
                continue
    # gold_kpis: every value.
    kpis_rust = pq.read_table(os.path.join(out, "gold", "gold_kpis.parquet")).to_pylist()[0]
    kpis_spark = spark.table(f"{schema}.gold_kpis").collect()[0].asDict()
    for column, expected in kpis_rust.items():
        if not close(expected, kpis_spark.get(column)):
            failures.append(f"gold_kpis.{column}: Spark {kpis_spark.get(column)!r}, Rust {expected!r}")
    # dq_results: the same rules, in the same order, with the same counts.
    dq_rust = [
        (r["rule_id"], r["severity"], r["rows_checked"], r["rows_failed"])
        for r in pq.read_table(os.path.join(out, "gold", "dq_results.parquet")).to_pylist()
    ]
    dq_spark = [
        (r.rule_id, r.severity, r.rows_checked, r.rows_failed)
        for r in spark.sql(f"SELECT * FROM {schema}.dq_results").collect()
    ]
    if sorted(dq_rust) != sorted(dq_spark):
        diff = sorted(set(dq_rust) ^ set(dq_spark))[:6]
        failures.append(f"dq_results differ: {diff}")
    return name, len(manifest["tables"]), compared, len(kpis_rust), len(dq_rust), seconds, failures


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    lakehouse, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    datasets = sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    # The runner each bundle ships (scripts/run_spark.py is this file, embedded).
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "../../crates/lakehouse-pipeline/src/export/databricks"))
    import run_spark  # noqa: E402

    os.environ.setdefault("SPARK_MASTER", "local[2]")
    spark = run_spark.session(os.path.join(work, "warehouse"))
    failed = False
    for dataset in datasets:
        name, tables, compared, kpis, rules, seconds, failures = check_dataset(
            spark, lakehouse, work, dataset
        )
        status = "ok" if not failures else "FAILED"
        print(
            f"{status}: {name}: {tables} tables with equal row counts and column types, {compared} silver/gold tables with equal rows, "
            f"{kpis} gold_kpis values, {rules} dq rules equal to the Rust pipeline; Spark took {seconds:.0f} s"
        )
        for failure in failures:
            print("  " + failure)
        failed = failed or bool(failures)
    spark.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
