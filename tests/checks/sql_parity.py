"""`lakehouse sql` against DuckDB: the same SQL over the same Parquet.

Usage: sql_parity.py LAKEHOUSE_BIN RUN_OUT_DIR
       sql_parity.py --answers ANSWER_DIR RUN_OUT_DIR

The second form checks answers another engine already wrote (the browser's
SQL console, in the end-to-end tests): each NAME.sql in ANSWER_DIR with
its answer NAME.parquet beside it.

Runs every example query (crates/lakehouse-sql/queries/*.sql) and the
queries below through `lakehouse sql --format parquet`, and through DuckDB
over the run output's Parquet files (one view per table, under schemas
bronze, silver and gold), then compares the answers: the same column names,
the same number of rows, and equal values (doubles to 1e-9 relative, a
value rounded with round(x, n) to one unit in its last place, since the
engines sum in different orders; times as instants). An answer whose query ends in ORDER BY is compared in order;
any other as a sorted list of rows.

Prints "ok: N queries equal DuckDB over DIR" and exits 0, or names the
first difference and exits 1.
"""

import datetime
import decimal
import math
import os
import re
import subprocess
import sys
import tempfile

import duckdb
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EXAMPLES = os.path.join(ROOT, "crates", "lakehouse-sql", "queries")

# Beyond the examples: every column type, window functions, date functions,
# string functions, outer joins, bronze's Synthea headers (lower case in SQL,
# as DuckDB resolves them too) and the quarantine table.
QUERIES = {
    "gold_kpis": "SELECT * FROM gold.gold_kpis",
    "dq_failures": "SELECT rule_id, severity, rows_checked, rows_failed, failed_pct FROM gold.dq_results "
    "WHERE rows_failed > 0 ORDER BY rule_id",
    "classes": "SELECT encounter_class, count(*) AS n, min(start_ts) AS first_start, max(stop_ts) AS last_stop, "
    "avg(length_of_stay_days) AS avg_days, sum(CASE WHEN is_readmission THEN 1 ELSE 0 END) AS readmissions "
    "FROM silver.fact_encounters GROUP BY encounter_class ORDER BY encounter_class",
    "pmpm_rank": "SELECT year_month, payer_key, pmpm_paid, "
    "rank() OVER (PARTITION BY year_month ORDER BY pmpm_paid DESC NULLS LAST, payer_key) AS rank_in_month "
    "FROM gold.gold_pmpm_monthly ORDER BY year_month, rank_in_month",
    "months": "SELECT date_trunc('month', start_ts) AS month, count(*) AS encounters "
    "FROM silver.fact_encounters GROUP BY 1 ORDER BY 1",
    "ages": "SELECT age_band, gender, count(*) AS patients, round(avg(age_years), 3) AS mean_age, "
    "sum(CASE WHEN is_deceased THEN 1 ELSE 0 END) AS deceased "
    "FROM silver.dim_patient GROUP BY age_band, gender ORDER BY age_band, gender",
    "names": "SELECT upper(substr(last_name, 1, 1)) AS initial, count(*) AS patients FROM silver.dim_patient "
    "WHERE last_name LIKE '%a%' OR last_name IS NULL GROUP BY 1 ORDER BY 1",
    "no_encounters": "SELECT p.patient_key, p.age_band FROM silver.dim_patient p "
    "LEFT JOIN silver.fact_encounters e ON e.patient_key = p.patient_key WHERE e.encounter_key IS NULL",
    "bronze": "SELECT encounterclass, count(*) AS n, count(DISTINCT patient) AS patients, "
    "round(sum(total_claim_cost), 2) AS cost FROM bronze.bronze_encounters GROUP BY encounterclass "
    "ORDER BY encounterclass",
    "rejects": "SELECT count(*) AS rejected FROM bronze.bronze_rejects",
    "members": "SELECT d.year, count(*) AS member_months, count(DISTINCT m.patient_key) AS members "
    "FROM silver.fact_member_months m JOIN silver.dim_date d ON d.date_key = m.month_key "
    "GROUP BY d.year ORDER BY d.year",
}


def examples():
    for name in sorted(os.listdir(EXAMPLES)):
        if name.endswith(".sql"):
            with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
                yield "example " + name[: -len(".sql")], f.read()


def duckdb_session(out):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for layer in ("bronze", "silver", "gold"):
        con.execute(f"CREATE SCHEMA {layer}")
        for name in sorted(os.listdir(os.path.join(out, layer))):
            if name.endswith(".parquet"):
                path = os.path.join(out, layer, name).replace("'", "''")
                con.execute(f"CREATE VIEW {layer}.{name[:-8]} AS SELECT * FROM read_parquet('{path}')")
    con.execute("USE silver")
    return con


def normal(value):
    """One value in a form both readers agree on."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return ("instant", value.astimezone(datetime.timezone.utc).isoformat())
    return value


def decimals(x):
    """Digits after the point of a float that reads as rounded (at most 6), else None."""
    text = repr(float(x))
    if "e" in text:
        return None
    digits = len(text.split(".")[1].rstrip("0"))
    return digits if digits <= 6 else None


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            return True
        # round(x, n) of a sum: the two engines add in different orders, so
        # a sum that lands on a half cent can round either way. Rounded
        # values may differ by one unit in their last place.
        da, db = decimals(a), decimals(b)
        if da is not None and db is not None:
            return abs(a - b) <= 10 ** -max(da, db) * (1 + 1e-6)
        return False
    return a == b


def sort_key(row):
    return [(v is None, repr(v)) for v in row]


def ordered(sql):
    """Whether the query's answer has an order (a top-level ORDER BY at the end)."""
    text = re.sub(r"--[^\n]*", "", sql).strip().rstrip(";")
    depth, last_order = 0, -1
    for match in re.finditer(r"\(|\)|\border\s+by\b", text, re.IGNORECASE):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            last_order = match.start()
    return last_order >= 0


def ours(lakehouse, out, sql, work):
    target = os.path.join(work, "answer.parquet")
    if os.path.exists(target):
        os.remove(target)
    run = subprocess.run(
        [lakehouse, "sql", out, sql, "--format", "parquet", "--out", target],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise SystemExit(f"lakehouse sql failed ({run.returncode}):\n{sql}\n{run.stderr}")
    return table_rows(target)


def table_rows(path):
    table = pq.read_table(path)
    return table.column_names, [tuple(row.values()) for row in table.to_pylist()]


def compare(label, sql, names, rows, con):
    """Names the first difference between an answer and DuckDB's (SystemExit)."""
    cursor = con.execute(sql)
    duck_names = [d[0] for d in cursor.description]
    duck_rows = cursor.fetchall()
    if [n.lower() for n in names] != [n.lower() for n in duck_names]:
        raise SystemExit(f"{label}: columns {names} vs DuckDB {duck_names}")
    if len(rows) != len(duck_rows):
        raise SystemExit(f"{label}: {len(rows)} rows vs DuckDB {len(duck_rows)}")
    rows = [tuple(normal(v) for v in row) for row in rows]
    duck_rows = [tuple(normal(v) for v in row) for row in duck_rows]
    if not ordered(sql):
        rows.sort(key=sort_key)
        duck_rows.sort(key=sort_key)
    for i, (a, b) in enumerate(zip(rows, duck_rows)):
        for name, x, y in zip(names, a, b):
            if not same(x, y):
                raise SystemExit(f"{label}: row {i} column {name}: {x!r} vs DuckDB {y!r}\n{a}\n{b}")


def main():
    if sys.argv[1] == "--answers":
        answers, out = sys.argv[2], sys.argv[3]
        con = duckdb_session(out)
        labels = sorted(n[: -len(".sql")] for n in os.listdir(answers) if n.endswith(".sql"))
        if not labels:
            raise SystemExit(f"no NAME.sql in {answers}")
        for label in labels:
            with open(os.path.join(answers, label + ".sql"), encoding="utf-8") as f:
                sql = f.read()
            names, rows = table_rows(os.path.join(answers, label + ".parquet"))
            if not rows:
                raise SystemExit(f"{label}: the answer has no rows")
            compare(label, sql, names, rows, con)
        print(f"ok: {len(labels)} answers equal DuckDB over {out}", flush=True)
        return
    lakehouse, out = sys.argv[1], sys.argv[2]
    con = duckdb_session(out)
    queries = list(examples()) + list(QUERIES.items())
    with tempfile.TemporaryDirectory() as work:
        for label, sql in queries:
            names, rows = ours(lakehouse, out, sql, work)
            compare(label, sql, names, rows, con)
    print(f"ok: {len(queries)} queries equal DuckDB over {out}", flush=True)


if __name__ == "__main__":
    main()
