#!/usr/bin/env python3
"""Reads every Delta table of DELTA_DIR back with the `deltalake` package and
compares it with the Parquet file of the same table in PARQUET_DIR (a
`lakehouse run` output, silver/ and gold/): same schema (names and types),
same row count, same values. Usage: check_delta.py DELTA_DIR PARQUET_DIR."""
import json
import os
import pathlib
import sys

import pyarrow.parquet as pq
from deltalake import DeltaTable

delta_dir, parquet_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
tables = sorted(p.parent.parent.name for p in delta_dir.glob("*/_delta_log/00000000000000000000.json"))
failures = []
for name in tables:
    table = DeltaTable(str(delta_dir / name))
    got = table.to_pyarrow_table()
    files = list(parquet_dir.glob(f"*/{name}.parquet"))
    if len(files) != 1:
        failures.append(f"{name}: no Parquet twin in {parquet_dir}")
        continue
    want = pq.read_table(files[0])
    if got.schema.names != want.schema.names:
        failures.append(f"{name}: columns {got.schema.names} != {want.schema.names}")
        continue
    for field in want.schema:
        g = got.schema.field(field.name).type
        if str(g) != str(field.type) and not (str(field.type).startswith("timestamp") and str(g).startswith("timestamp")):
            failures.append(f"{name}.{field.name}: type {g} != {field.type}")
    if got.num_rows != want.num_rows:
        failures.append(f"{name}: {got.num_rows} rows != {want.num_rows}")
    elif not got.cast(want.schema).equals(want):
        failures.append(f"{name}: values differ")
    add = [json.loads(l) for l in (delta_dir / name / "_delta_log/00000000000000000000.json").read_text().splitlines()]
    add = next(a["add"] for a in add if "add" in a)
    size = (delta_dir / name / add["path"]).stat().st_size
    if add["size"] != size:
        failures.append(f"{name}: add.size {add['size']} != {size}")
    if json.loads(add["stats"])["numRecords"] != want.num_rows:
        failures.append(f"{name}: stats.numRecords wrong")
for failure in failures:
    print(failure)
if failures or not tables:
    print(f"{len(failures)} problems in {len(tables)} Delta tables")
else:
    print(f"ok: {len(tables)} Delta tables read by deltalake equal the Parquet output")
# deltalake's Rust runtime threads can still be winding down when Python
# finalizes, and the process then aborts with "terminate called without an
# active exception" after a check that passed (delta-rs issue #2184; seen
# once in CI). The verdict is printed, so leave without the finalization.
sys.stdout.flush()
sys.stderr.flush()
os._exit(1 if failures or not tables else 0)
