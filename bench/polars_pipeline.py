#!/usr/bin/env python3
"""The Polars contender: the same lakehouse job as `lakehouse run`, on Polars.

It runs the pipeline's own SQL, as the DuckDB contender does: the DuckDB
script that `bench/duckdb_pipeline.py translate` makes of the Databricks
bundle (proven equal to the Rust pipeline on Spark), rewritten with sqlglot
for Polars' SQL engine, which plans every statement as a Polars LazyFrame:

- each `read_csv` view becomes `pl.scan_csv` over the same files (all text,
  no quoting, header or not as the layout says);
- a typed bronze row's first fault is a struct in the bundle (`_fault`);
  Polars SQL has no struct literals, so it becomes one text of column and
  reason (the conditions evaluated once), split into `_fault_col` and
  `_fault_reason` by an outer select;
- functions Polars SQL lacks get their Polars equivalent: `make_date` is
  the date's ISO text cast to DATE, `epoch_us(t)` is
  the timestamp cast to BIGINT (microseconds), `date_diff('day', a, b)` a
  difference of day numbers, `weekofyear` the ISO week, `count_if` a sum of
  flags, a date-only text cast to a timestamp is midnight UTC (a bare year
  with '-01-01' appended is parsed as a date), and the dq rules' five sorted
  distinct examples are `array_agg(DISTINCT … ORDER BY … LIMIT 5)`;
- where Polars SQL would give other values: year(), month() and the other
  date parts are widened to BIGINT (Polars types them i8, and month * 100
  wraps), and a FROM-less `SELECT … WHERE false` gets `LIMIT 0` (Polars
  returns its row);
- tables are collected (materialized) as DuckDB's are, views stay lazy,
  and at the end every bronze, silver and gold table is written as Snappy
  Parquet.

Usage:
  polars_pipeline.py translate DUCKDB_SQL PLAN_JSON     (untimed: writes the plan)
  polars_pipeline.py run PLAN_JSON SOURCE_DIR OUT_DIR [--threads N] [--check RUN_OUT] [--profile N]
--threads sets POLARS_MAX_THREADS; --check compares every table with
`lakehouse run --out RUN_OUT` (bench/duckdb_pipeline.py's check, in DuckDB
over the Parquet files written here).
"""

import argparse
import json
import os
import re
import sys
import time

READ_CSV = re.compile(
    r"^CREATE OR REPLACE TEMPORARY VIEW (\w+) AS SELECT \* EXCLUDE \(filename\), .*? "
    r"FROM read_csv\('([^']*)', header = (true|false), .*?columns = \{(.*?)\}, filename = true"
)
COLUMN_SPEC = re.compile(r"'((?:[^']|'')*)': 'VARCHAR'")
CREATE = re.compile(r"^CREATE OR REPLACE (TEMPORARY TABLE|TEMPORARY VIEW|TABLE) (\w+) AS\b")
UNIT_SEPARATOR = "\x1f"
MONTH_DAY = re.compile(r"^-[0-9]{2}-[0-9]{2}$")
NOTEBOOK_CELL = re.compile(r"^SELECT '[^']*' AS notebook$")
SEPARATOR = ";\n\n"


def polars_sql(sql):
    """Rewrites one DuckDB statement (the body after `AS`) for Polars SQL."""
    import logging

    import sqlglot
    from sqlglot import exp

    # sqlglot warns that DuckDB has no LIMIT inside ARRAY_AGG; Polars has.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    DATE_PARTS = (exp.Year, exp.Quarter, exp.Month, exp.Day, exp.DayOfWeek)

    def fault_pair(case):
        """The _fault CASE of a typed view as one CASE of `col<US>reason`
        text (col empty for a field-count fault), so that the typing
        conditions are evaluated once, as the struct does in DuckDB."""
        ifs = []
        for branch in case.args["ifs"]:
            fields = {e.this.name: e.expression for e in branch.args["true"].expressions}
            pair = exp.DPipe(
                this=exp.DPipe(
                    this=exp.func("coalesce", fields["col"].copy(), exp.Literal.string("")),
                    expression=exp.Literal.string(UNIT_SEPARATOR),
                ),
                expression=fields["reason"].copy(),
            )
            ifs.append(exp.If(this=branch.this.copy(), true=pair))
        return exp.Case(ifs=ifs)

    def split_fault(select):
        """SELECT typed…, col and reason split off the pair FROM (select)."""
        names = [item.alias_or_name for item in select.expressions if item.alias_or_name != "_fault_pair"]
        pair = exp.column("_fault_pair")
        separator = exp.Literal.string(UNIT_SEPARATOR)
        at = exp.Anonymous(this="STRPOS", expressions=[pair.copy(), separator.copy()])
        col = exp.Nullif(this=exp.Substring(this=pair.copy(), start=exp.Literal.number(1),
                                            length=exp.Sub(this=at.copy(), expression=exp.Literal.number(1))),
                         expression=exp.Literal.string(""))
        reason = exp.Substring(this=pair.copy(), start=exp.Add(this=at, expression=exp.Literal.number(1)))
        return exp.select(
            *[exp.column(name, quoted=True) for name in names],
            exp.alias_(col, "_fault_col"),
            exp.alias_(reason, "_fault_reason"),
        ).from_(exp.alias_(exp.paren(select.copy()), "_typed", table=True))

    def rewrite(node):
        if isinstance(node, exp.Select):
            items, paired = [], False
            for item in node.expressions:
                if isinstance(item, exp.Alias) and item.alias == "_fault" and isinstance(item.this, exp.Case):
                    items.append(exp.alias_(fault_pair(item.this), "_fault_pair"))
                    paired = True
                else:
                    items.append(item)
            node.set("expressions", items)
            if paired:
                return split_fault(node)
            where = node.args.get("where")
            if node.args.get("from") is None and where and where.this == exp.false() and not node.args.get("limit"):
                # Polars SQL returns the row of a FROM-less SELECT whatever
                # its WHERE says; the bundle's empty stand-ins are `… WHERE false`.
                node.set("limit", exp.Limit(expression=exp.Literal.number(0)))
            return node
        if isinstance(node, exp.Column) and node.table == "_fault":
            return exp.column("_fault_" + node.name)
        if isinstance(node, exp.Column) and node.name == "_fault" and not node.table:
            return exp.column("_fault_reason")
        if isinstance(node, exp.Anonymous) and node.name.lower() == "raise_error":
            # Only guards the as_of parameter, which the driver substitutes
            # already checked.
            return exp.Null()
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return exp.cast(node.expressions[0].copy(), "BIGINT")
        if isinstance(node, exp.CountIf):
            flag = exp.Case(ifs=[exp.If(this=node.this.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(0))
            return exp.cast(exp.Sum(this=flag), "BIGINT")
        if (
            isinstance(node, exp.ArraySlice)
            and isinstance(node.this, exp.ArraySort)
            and isinstance(node.this.this, exp.ArrayDistinct)
        ):
            # list_sort(list_distinct(array_agg(x) FILTER (…)))[1:n], the dq
            # rules' first examples: Polars aggregates them in one step.
            inner = node.this.this.this
            aggregate = inner.this if isinstance(inner, exp.Filter) else inner
            value = aggregate.this.sql(dialect="duckdb")
            limit = int(node.args["end"].name) - int(node.args["start"].name) + 1
            first = exp.Anonymous(
                this="ARRAY_AGG", expressions=[exp.Var(this=f"DISTINCT {value} ORDER BY {value} LIMIT {limit}")]
            )
            return exp.Filter(this=first, expression=inner.expression.copy()) if isinstance(inner, exp.Filter) else first
        if isinstance(node, DATE_PARTS) and not (
            isinstance(node.parent, exp.Cast) and node.parent.to.this == exp.DataType.Type.BIGINT
        ):
            # Polars types month() and day() as i8, and month * 100 wraps
            # there; DuckDB and Spark widen (a part already cast to BIGINT
            # stays as it is).
            return exp.cast(node.copy(), "BIGINT")
        if isinstance(node, exp.DateFromParts):
            # Polars SQL has no make_date: the ISO text of the date, cast.
            def padded(part, width):
                text = exp.cast(exp.cast(part.copy(), "BIGINT"), "VARCHAR")
                return exp.Anonymous(this="LPAD", expressions=[text, exp.Literal.number(width), exp.Literal.string("0")])

            year, month, day = node.args["year"], node.args["month"], node.args["day"]
            text = exp.DPipe(
                this=exp.DPipe(
                    this=exp.DPipe(
                        this=exp.DPipe(this=padded(year, 4), expression=exp.Literal.string("-")),
                        expression=padded(month, 2),
                    ),
                    expression=exp.Literal.string("-"),
                ),
                expression=padded(day, 2),
            )
            return exp.cast(text, "DATE")
        if isinstance(node, exp.RegexpLike):
            # DuckDB spells it REGEXP_MATCHES, Polars REGEXP_LIKE.
            return exp.Anonymous(this="REGEXP_LIKE", expressions=[node.this.copy(), node.expression.copy()])
        if isinstance(node, exp.WeekOfYear):
            return exp.Anonymous(this="DATE_PART", expressions=[exp.Literal.string("isoweek"), node.this.copy()])
        if isinstance(node, exp.DateDiff) and (node.unit is None or node.unit.name.lower() in ("day", "'day'")):
            later, earlier = node.this.copy(), node.expression.copy()
            return exp.paren(exp.Sub(this=exp.cast(later, "INT"), expression=exp.cast(earlier, "INT")))
        if isinstance(node, exp.TryCast) and node.to.this == exp.DataType.Type.TIMESTAMPTZ:
            text = node.this
            if isinstance(text, exp.Null) or (isinstance(text, exp.Cast) and isinstance(text.this, exp.Null)):
                return node
            as_date = exp.cast(exp.TryCast(this=text.copy(), to=exp.DataType.build("DATE")), "TIMESTAMPTZ")
            if isinstance(text, exp.DPipe) and MONTH_DAY.match(text.expression.name):
                # A bare year with '-01-01' appended is a date. Polars
                # evaluates every CASE branch on every row, and its
                # timestamp parse takes a slow path on each value it
                # cannot read; its date parse does not.
                return as_date
            return exp.func("coalesce", node.copy(), as_date)
        return node

    # One pass, children before their parents: a rewrite builds on rewritten
    # children and its own result is not visited again (sqlglot's transform()
    # goes parents first and skips the inside of a node it has replaced).
    tree = sqlglot.parse_one(sql, read="duckdb")
    for node in reversed(list(tree.walk(bfs=False))):
        new = rewrite(node)
        if new is node:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree.sql(dialect="duckdb")


def translate(duckdb_sql, plan_path):
    with open(duckdb_sql, encoding="utf-8") as handle:
        statements = [s for s in handle.read().split(SEPARATOR) if s.strip()]
    plan = []
    for sql in statements:
        if sql.startswith("-- "):
            plan.append({"kind": "notebook", "name": sql.splitlines()[0][3:]})
            continue
        if NOTEBOOK_CELL.match(sql):
            continue
        match = READ_CSV.match(sql)
        if match:
            view, glob, header, columns = match.groups()
            files = glob[1:-1].split(",") if glob.startswith("{") else [glob]
            names = [name.replace("''", "'") for name in COLUMN_SPEC.findall(columns)]
            plan.append({"kind": "scan", "name": view, "files": files, "header": header == "true", "columns": names})
            continue
        match = CREATE.match(sql)
        if not match:
            raise SystemExit(f"unexpected statement: {sql[:200]}")
        kind, name = match.groups()
        body = sql[match.end():].strip()
        plan.append({
            "kind": {"TEMPORARY TABLE": "temp", "TEMPORARY VIEW": "view", "TABLE": "table"}[kind],
            "name": name,
            "sql": polars_sql(body),
        })
    with open(plan_path, "w", encoding="utf-8") as handle:
        json.dump(plan, handle, indent=1)


def scan(pl, source, step):
    frames = []
    for file in step["files"]:
        frame = pl.scan_csv(
            os.path.join(source, file),
            # Names by position, as read_files and read_csv give them: a
            # header row is skipped, not matched.
            has_header=False,
            skip_rows=1 if step["header"] else 0,
            schema={name: pl.String for name in step["columns"]},
            quote_char=None,
            truncate_ragged_lines=True,
        )
        frames.append(frame.with_columns(
            pl.lit(file).alias("_source_file"), pl.lit(None, pl.String).alias("_corrupt_record"),
        ))
    return pl.concat(frames) if len(frames) > 1 else frames[0]


def run(plan_path, source, out, check_against=None, profile=0):
    import polars as pl

    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    ctx = pl.SQLContext()
    os.makedirs(out, exist_ok=True)
    written, frames, spent, started = [], {}, [], time.time()
    for step in plan:
        kind, name = step["kind"], step["name"]
        if kind == "notebook":
            print(f"{name} starts at {time.time() - started:.2f} s", flush=True)
            continue
        if kind == "scan":
            ctx.register(name, scan(pl, source, step))
            continue
        try:
            lazy = ctx.execute(step["sql"], eager=False)
        except Exception as error:  # noqa: BLE001 - name the statement that Polars rejects
            raise SystemExit(f"Polars cannot plan {name}: {error}\n{step['sql'][:3000]}") from error
        if kind == "view":
            ctx.register(name, lazy)
            continue
        begun = time.time()
        frame = lazy.collect()
        spent.append((time.time() - begun, name))
        ctx.register(name, frame)
        if kind == "table":
            written.append(name)
            frames[name] = frame
    for name in written:
        frames[name].write_parquet(os.path.join(out, name + ".parquet"), compression="snappy")
    print(f"all {len(written)} tables written to {out} at {time.time() - started:.2f} s")
    for name in written:
        print(f"{name}: {frames[name].height} rows")
    if profile:
        for seconds, name in sorted(spent, reverse=True)[:profile]:
            print(f"{seconds:7.2f} s  {name}")
    if check_against:
        import duckdb

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from duckdb_pipeline import check_or_exit

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        for name in written:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{os.path.join(out, name + '.parquet')}'")
        check_or_exit(con, written, check_against, engine="Polars")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    make = verbs.add_parser("translate", help="DuckDB script -> Polars plan (JSON)")
    make.add_argument("duckdb_sql")
    make.add_argument("plan")
    go = verbs.add_parser("run", help="run a plan on a CSV folder")
    go.add_argument("plan")
    go.add_argument("source")
    go.add_argument("out")
    go.add_argument("--threads", type=int, default=os.cpu_count())
    go.add_argument("--check", metavar="RUN_OUT", help="compare with `lakehouse run --out RUN_OUT`")
    go.add_argument("--profile", type=int, default=0, metavar="N", help="print the N slowest statements")
    args = parser.parse_args()
    if args.verb == "translate":
        translate(args.duckdb_sql, args.plan)
    else:
        # Polars reads its thread count once, when it is first imported.
        os.environ["POLARS_MAX_THREADS"] = str(args.threads)
        run(args.plan, args.source, args.out, args.check, args.profile)


if __name__ == "__main__":
    main()
