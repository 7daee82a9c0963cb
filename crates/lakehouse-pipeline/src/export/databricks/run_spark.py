#!/usr/bin/env python3
"""Runs this bundle's notebooks (src/*.sql) on plain Apache Spark.

The notebooks are written for Databricks. This thin runner executes them cell by
cell on a local (or any) Spark session, swapping the Databricks-only statements
for local equivalents and changing nothing else:

- `USE CATALOG ...` is skipped (a plain Spark session has one catalog);
- `read_files(:source_volume || '/x.csv', ...)` (Volume files) becomes Spark's
  CSV reader over the same options and schema, on the --source folder;
- `CREATE OR REPLACE TABLE t USING DELTA AS ...` becomes
  `DROP TABLE IF EXISTS t` + `CREATE TABLE t USING parquet AS ...`
  (Delta Lake needs the delta-spark package; Parquet needs nothing).

Usage:
    pip install pyspark        # needs Java 17
    python scripts/run_spark.py --source ./csv [--warehouse ./spark-warehouse]
                                [--schema synthea] [--as-of YYYY-MM-DD]
"""

import argparse
import os
import re
import shutil
import sys
import time

CELL = "\n-- COMMAND ----------\n"
READ_FILES = re.compile(
    r"^CREATE OR REPLACE TEMPORARY VIEW (\w+) AS\s+"
    r"SELECT \*, _metadata\.file_name AS _source_file\s+"
    r"FROM read_files\(\s*:source_volume \|\| '([^']*)',(.*)\)\s*$",
    re.S,
)
OPTION = re.compile(r"(\w+)\s*=>\s*('(?:[^'\\]|\\.)*'|\w+)")
CREATE_TABLE = re.compile(r"^CREATE OR REPLACE TABLE (\w+) USING DELTA AS\b", re.S)


def cells(path):
    """The SQL statements of a notebook: one per cell, comments dropped."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for cell in text.split(CELL):
        lines = [
            line for line in cell.splitlines()
            if not line.strip().startswith("--")
        ]
        statement = "\n".join(lines).strip().rstrip(";").strip()
        if statement:
            yield statement


def unquote(value):
    if value.startswith("'"):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def read_csv_view(spark, match, source):
    """The local stand-in for a `read_files` view over a Volume."""
    from pyspark.sql.functions import col

    view, path, options = match.group(1), match.group(2), match.group(3)
    opts = {name: unquote(value) for name, value in OPTION.findall(options)}
    schema = opts.pop("schema")
    opts.pop("format", None)
    reader = spark.read.schema(schema)
    for name, value in opts.items():
        reader = reader.option(name, value)
    frame = reader.csv(source.rstrip("/") + path)
    frame = frame.select("*", col("_metadata.file_name").alias("_source_file"))
    frame.createOrReplaceTempView(view)


def remove_stale_location(spark, table):
    """A local session's catalog is in memory: a table written by an earlier
    session is gone from it but its folder is not, and Spark refuses to write
    there. Remove such a folder of the local warehouse."""
    warehouse = spark.conf.get("spark.sql.warehouse.dir")
    if not warehouse.startswith(("file:", "/")):
        return
    database = spark.catalog.currentDatabase()
    root = warehouse.removeprefix("file:")
    folder = os.path.join(root, table) if database == "default" else os.path.join(root, database + ".db", table)
    if os.path.isdir(folder):
        shutil.rmtree(folder)


def run_statement(spark, statement, params, source):
    if statement.startswith("USE CATALOG"):
        return "skipped (one catalog)"
    match = READ_FILES.match(statement)
    if match:
        read_csv_view(spark, match, source)
        return "csv view " + match.group(1)
    match = CREATE_TABLE.match(statement)
    if match:
        table = match.group(1)
        spark.sql(f"DROP TABLE IF EXISTS {table}")
        remove_stale_location(spark, table)
        statement = CREATE_TABLE.sub(f"CREATE TABLE {table} USING parquet AS", statement, count=1)
    used = {k: v for k, v in params.items() if re.search(r":" + k + r"\b", statement)}
    spark.sql(statement, args=used or None).collect()
    return statement.split("\n", 1)[0][:80]


def run(spark, bundle, source, schema="synthea", as_of="", log=print):
    """Runs src/01_bronze.sql, 02_silver.sql and 03_gold.sql of `bundle`."""
    params = {"catalog": "spark_catalog", "schema": schema, "source_volume": source, "as_of": as_of}
    notebooks = sorted(
        os.path.join(bundle, "src", name)
        for name in os.listdir(os.path.join(bundle, "src"))
        if name.endswith(".sql")
    )
    for notebook in notebooks:
        started = time.time()
        for statement in cells(notebook):
            run_statement(spark, statement, params, source)
        log(f"{os.path.basename(notebook)}: {time.time() - started:.1f} s")


def session(warehouse):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
        .appName("synthea-lakehouse")
        .config("spark.sql.warehouse.dir", os.path.abspath(warehouse))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def table_counts(spark, schema):
    """(table, rows) of every table the notebooks wrote. SHOW TABLES also
    lists the session's temporary views (`_claims`, ...), which are no table
    of the schema: they are left out."""
    return [
        (row.tableName, spark.table(f"{schema}.{row.tableName}").count())
        for row in spark.sql(f"SHOW TABLES IN {schema}").collect()
        if not row.isTemporary
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="folder holding the Synthea CSV files")
    parser.add_argument("--warehouse", default="spark-warehouse", help="where the tables are written")
    parser.add_argument("--schema", default="synthea", help="database of the tables")
    parser.add_argument("--as-of", default="", help="reference day YYYY-MM-DD (default: the last event day)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.source):
        sys.exit(f"error: --source `{args.source}` is not a folder; give the folder holding the CSV files")
    bundle = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spark = session(args.warehouse)
    run(spark, bundle, os.path.abspath(args.source), args.schema, args.as_of)
    for table, count in table_counts(spark, args.schema):
        print(f"{table}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
