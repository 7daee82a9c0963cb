#!/usr/bin/env python3
"""Checks a lakehouse zip downloaded from the app against the CLI's output
folder for the same input: the same files, byte for byte, and every Parquet
table readable by an independent reader (pyarrow) with the manifest's row
count. Usage: check_download.py ZIP CLI_OUT_DIR"""
import json
import os
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq

zip_path, cli_dir = sys.argv[1], sys.argv[2]
cli_files = {}
for folder, _, names in os.walk(cli_dir):
    for name in names:
        path = os.path.join(folder, name)
        cli_files[os.path.relpath(path, cli_dir).replace(os.sep, "/")] = path
with zipfile.ZipFile(zip_path) as archive:
    entries = sorted(archive.namelist())
    if entries != sorted(cli_files):
        sys.exit(f"different files: zip {entries} vs CLI {sorted(cli_files)}")
    for name in entries:
        with open(cli_files[name], "rb") as f:
            if archive.read(name) != f.read():
                sys.exit(f"{name} differs from the CLI's")
    manifest = json.loads(archive.read("manifest.json"))
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    tables = 0
    for name in entries:
        if name.endswith(".parquet"):
            # From bytes: pyarrow's IO threads then never call back into a
            # Python file object (zipfile), which aborted the interpreter at exit.
            table = pq.read_table(pa.BufferReader(archive.read(name)))
            stem = name.rsplit("/", 1)[-1][: -len(".parquet")]
            if table.num_rows != rows[stem]:
                sys.exit(f"{name}: pyarrow reads {table.num_rows} rows, the manifest says {rows[stem]}")
            tables += 1
print(f"ok: {len(entries)} files identical to the CLI's, {tables} Parquet tables read by pyarrow")
