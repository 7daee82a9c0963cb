#!/usr/bin/env python3
"""The DuckDB contender: the same lakehouse job as `lakehouse run`, as SQL.

The SQL is the Databricks bundle's (`lakehouse export INPUT --databricks DIR`),
which tests/checks/spark_parity.py proves equal, table by table, to the Rust
pipeline. This script turns its Spark SQL into DuckDB SQL with sqlglot, with
the few local swaps the Spark runner also makes, and runs it:

- `read_files(:source_volume || '/x.csv', ...)` becomes `read_csv` over the
  same file with the same all-text schema (no quoting, header row);
- the `typed_*` views (each CSV typed once, then split into the bronze table
  and its rejects) become temporary tables, so each CSV is read once, as a
  DuckDB user would write it;
- `CREATE OR REPLACE TABLE t USING DELTA` becomes an in-memory table, and at
  the end every bronze, silver and gold table is written as Snappy Parquet.

Usage:
  duckdb_pipeline.py translate BUNDLE SQL [--as-of D]   (untimed: writes the script)
  duckdb_pipeline.py run SQL SOURCE_DIR OUT_DIR [--threads N] [--check RUN_OUT]
`run` prints when each notebook starts and the row count of every table;
--check compares every table with `lakehouse run --out RUN_OUT`.
"""

import argparse
import math
import os
import re
import sys
import time

import duckdb
import sqlglot
from sqlglot import exp

SCHEMA = re.compile(r"schema => '((?:[^'\\]|\\.)*)'")
COLUMN = re.compile(r"`([^`]+)` STRING")
TYPED_VIEW = re.compile(r"^CREATE OR REPLACE TEMPORARY VIEW (typed_\w+) AS\b")
SKIPPED = ("USE CATALOG", "USE SCHEMA", "CREATE SCHEMA", "SET TIME ZONE")


def bundle_runner(bundle):
    """The bundle's own Spark runner (scripts/run_spark.py): its notebook
    cell splitter and its patterns for the read_files and Delta statements,
    so that both local runners read the notebooks the same way."""
    sys.path.insert(0, os.path.join(bundle, "scripts"))
    import run_spark

    return run_spark


def spark_semantics(node):
    """The Spark meanings sqlglot does not carry over: dayofweek counts
    Sunday = 1 (DuckDB: 0); count_if is never NULL (DuckDB's is NULL when
    the condition folds to a constant NULL, as over an absent column)."""
    if isinstance(node, exp.DayOfWeek):
        return exp.paren(exp.Add(this=node.copy(), expression=exp.Literal.number(1)))
    if isinstance(node, exp.CountIf):
        return exp.func("coalesce", node.copy(), exp.Literal.number(0))
    return node


# Spark's sequence over dates yields dates, DuckDB's generate_series timestamps.
DATE_SERIES = re.compile(r"UNNEST\((GENERATE_SERIES\([^()]*\))\) AS (\w+)")


def to_duckdb(statement):
    tree = sqlglot.parse_one(statement, read="spark")
    tree = tree.transform(spark_semantics)
    return DATE_SERIES.sub(r"CAST(UNNEST(\1) AS DATE) AS \2", tree.sql(dialect="duckdb"))


def as_bigint(con, table):
    """Spark's count_if and sum over BIGINT are BIGINT; DuckDB's are HUGEINT,
    which its Parquet writer would turn into DOUBLE."""
    for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        if kind == "HUGEINT":
            con.execute(f'ALTER TABLE {table} ALTER "{name}" TYPE BIGINT')


def read_csv_view(match):
    view, path, options = match.group(1), match.group(2), match.group(3)
    columns = COLUMN.findall(SCHEMA.search(options).group(1))
    spec = ", ".join(f"'{name}': 'VARCHAR'" for name in columns)
    file = path.lstrip("/")
    return (
        f"CREATE OR REPLACE TEMPORARY VIEW {view} AS "
        f"SELECT * EXCLUDE (filename), parse_filename(filename) AS _source_file, "
        f"CAST(NULL AS VARCHAR) AS _corrupt_record "
        f"FROM read_csv('{file}', header = true, quote = '', escape = '', "
        f"columns = {{{spec}}}, filename = true, auto_detect = false)"
    )


def translate(runner, statement, as_of):
    """The DuckDB form of one bundle statement, and the table it creates (if any)."""
    if statement.startswith(SKIPPED):
        return None, None
    match = runner.READ_FILES.match(statement)
    if match:
        return read_csv_view(match), None
    table = None
    match = runner.CREATE_TABLE.match(statement)
    if match:
        table = match.group(1)
        statement = runner.CREATE_TABLE.sub(f"CREATE OR REPLACE TABLE {table} AS", statement, count=1)
    statement = statement.replace(":as_of", "'" + as_of + "'")
    sql = to_duckdb(statement)
    match = TYPED_VIEW.match(sql)
    if match:
        sql = TYPED_VIEW.sub(f"CREATE OR REPLACE TEMPORARY TABLE {match.group(1)} AS", sql, count=1)
    return sql, table


def check(con, tables, run_out, engine="DuckDB"):
    """Every table equal to the Rust pipeline's: the same columns and types,
    and the same rows as a multiset, doubles equal to 1e-9 relative (rows are
    matched on doubles rounded to 9 significant digits, and the few left over,
    a sum that lands on either side of a rounding boundary, are paired with
    the tolerance). The bronze `_source_line` is left out: read_files, like
    read_csv, does not tell line numbers, so the bundle leaves it empty.
    Returns the tables that differ."""
    differ = []
    for table in tables:
        ours = [os.path.join(run_out, layer, table + ".parquet") for layer in ("bronze", "silver", "gold")]
        ours = next(path for path in ours if os.path.exists(path))
        a = con.execute(f"DESCRIBE SELECT * FROM '{ours}'").fetchall()
        b = con.execute(f"DESCRIBE {table}").fetchall()
        if [(r[0], r[1]) for r in a] != [(r[0], r[1]) for r in b]:
            differ.append(f"{table}: columns {[(r[0], r[1]) for r in a]} != {[(r[0], r[1]) for r in b]}")
            continue
        columns = [(name, kind) for name, kind, *_ in a if name != "_source_line"]
        key = "concat_ws('|', " + ", ".join(
            f"coalesce(CASE WHEN \"{name}\" = 0 THEN '0' ELSE printf('%.9g', \"{name}\") END, '-')"
            if kind == "DOUBLE" else f"coalesce(CAST(\"{name}\" AS VARCHAR), '-')"
            for name, kind in columns
        ) + ")"
        raw = ", ".join(f'"{name}"' for name, _ in columns)
        # Each side keyed and numbered once (the n-th row of a key pairs
        # with the other side's n-th), then the rows left over either way.
        for side, relation in (("_ours", f"'{ours}'"), ("_theirs", table)):
            con.execute(
                f"CREATE OR REPLACE TEMPORARY TABLE {side} AS SELECT {raw}, _k, "
                f"row_number() OVER (PARTITION BY _k) AS _n FROM (SELECT *, {key} AS _k FROM {relation})"
            )

        def left_over(x, y):
            return con.execute(f"SELECT {raw} FROM {x} ANTI JOIN {y} USING (_k, _n)").fetchall()

        only_ours = left_over("_ours", "_theirs")
        only_theirs = left_over("_theirs", "_ours")
        con.execute("DROP TABLE _ours; DROP TABLE _theirs")
        doubles = [i for i, (_, kind) in enumerate(columns) if kind == "DOUBLE"]
        unpaired = pair_within_tolerance(only_ours, only_theirs, doubles)
        if unpaired:
            differ.append(f"{table}: {unpaired[0]} rows only in ours, {unpaired[1]} only in {engine}'s")
    return differ


def check_or_exit(con, tables, run_out, engine="DuckDB"):
    """check(), printed; exits non-zero when a table differs."""
    differ = check(con, tables, run_out, engine)
    for line in differ:
        print("DIFFERS " + line)
    if differ:
        raise SystemExit(f"{len(differ)} of {len(tables)} tables differ from {run_out}")
    print(f"check: all {len(tables)} tables equal to {run_out}")


def pair_within_tolerance(left, right, doubles, rel=1e-9):
    """Pairs rows that agree everywhere, doubles to `rel`; returns None when
    every row pairs, else the counts of unpaired rows on each side."""
    if len(left) != len(right) or len(left) > 10_000:
        return len(left), len(right)
    free = list(right)
    for row in left:
        for index, other in enumerate(free):
            if all(
                math.isclose(x, y, rel_tol=rel, abs_tol=1e-9) if i in doubles and x is not None and y is not None
                else x == y
                for i, (x, y) in enumerate(zip(row, other))
            ):
                del free[index]
                break
        else:
            return len(left), len(right)
    return None


SEPARATOR = ";\n\n"
TABLE = re.compile(r"^CREATE OR REPLACE TABLE (\w+) AS\b")


def write_sql(bundle, as_of, path):
    """Translates the bundle's three notebooks into one DuckDB script. CSV
    files are named without a folder: `run` finds them through DuckDB's
    file_search_path, DuckDB-WASM through its registered files."""
    runner = bundle_runner(bundle)
    script = []
    for notebook in ("01_bronze.sql", "02_silver.sql", "03_gold.sql"):
        script.append(f"-- {notebook}\nSELECT '{notebook}' AS notebook")
        for statement in runner.cells(os.path.join(bundle, "src", notebook)):
            sql, _ = translate(runner, statement, as_of)
            if sql is not None:
                script.append(sql)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(SEPARATOR.join(script) + SEPARATOR)


def run_sql(path, source, out, threads, check_against=None):
    with open(path, encoding="utf-8") as handle:
        statements = [s for s in handle.read().split(SEPARATOR) if s.strip()]
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET file_search_path = '{os.path.abspath(source)}'")
    con.execute("CREATE MACRO raise_error(message) AS error(message)")
    os.makedirs(out, exist_ok=True)
    written, started = [], time.time()
    for sql in statements:
        if sql.startswith("-- "):
            print(f"{sql.splitlines()[0][3:]} starts at {time.time() - started:.2f} s", flush=True)
        con.execute(sql)
        match = TABLE.match(sql)
        if match:
            written.append(match.group(1))
            as_bigint(con, match.group(1))
    for table in written:
        target = os.path.join(out, table + ".parquet")
        con.execute(f"COPY {table} TO '{target}' (FORMAT parquet, COMPRESSION snappy)")
    print(f"all {len(written)} tables written to {out} at {time.time() - started:.2f} s")
    for table in written:
        print(f"{table}: {con.execute(f'SELECT count(*) FROM {table}').fetchone()[0]} rows")
    if check_against:
        check_or_exit(con, written, check_against)


def cli(write, doc, needs_source=False):
    """The `translate` and `run` verbs, with `write(bundle, as_of, path)`
    writing the script (this translation, or bench/duckdb_tuned.py's); with
    `needs_source`, translate also takes the CSV folder and calls
    `write(bundle, source, as_of, path)` (bench/duckdb_handwritten.py)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    make = verbs.add_parser("translate", help="bundle notebooks -> one DuckDB SQL script")
    make.add_argument("bundle")
    if needs_source:
        make.add_argument("source")
    make.add_argument("sql")
    make.add_argument("--as-of", default="")
    run = verbs.add_parser("run", help="run a translated script on a CSV folder")
    run.add_argument("sql")
    run.add_argument("source")
    run.add_argument("out")
    run.add_argument("--threads", type=int, default=os.cpu_count())
    run.add_argument("--check", metavar="RUN_OUT", help="compare with `lakehouse run --out RUN_OUT`")
    args = parser.parse_args()
    if args.verb == "translate":
        if needs_source:
            write(args.bundle, args.source, args.as_of, args.sql)
        else:
            write(args.bundle, args.as_of, args.sql)
    else:
        run_sql(args.sql, args.source, args.out, args.threads, args.check)


def main():
    cli(write_sql, __doc__)


if __name__ == "__main__":
    main()
