#!/usr/bin/env python3
"""Trunk post-build hook: fill in the service worker's file list and version.

The service worker (public/sw.js) caches exactly the files Trunk built, by
relative URL (the SQL worker's when first fetched, the rest at install), under a version derived from their contents, so the app works
offline after the first visit and a new build replaces the old cache.
"""
import hashlib
import json
import os
import sys

staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
# Every built file, sub-folders included (wasm-bindgen's snippets/).
names = sorted(
    os.path.relpath(os.path.join(folder, n), staging).replace(os.sep, "/")
    for folder, _, files in os.walk(staging)
    for n in files
    if n != "sw.js" or folder != staging
)
digest = hashlib.sha256()
for name in names:
    digest.update(name.encode())
    with open(os.path.join(staging, name), "rb") as f:
        digest.update(f.read())
# The SQL worker (DataFusion, about 5 MB gzipped) is fetched only when the
# console opens: it is cached when first fetched, not at install.
lazy = [f"./{n}" for n in names if n.startswith("sql_worker")]
files = ["./"] + [f"./{n}" for n in names if n != "index.html" and f"./{n}" not in lazy]
path = os.path.join(staging, "sw.js")
with open(path, encoding="utf-8") as f:
    text = f.read()
if "__FILES__" not in text or "__VERSION__" not in text or "__LAZY__" not in text:
    sys.exit("offline.py: sw.js has no __FILES__/__LAZY__/__VERSION__ placeholders")
text = (
    text.replace("__FILES__", json.dumps(files))
    .replace("__LAZY__", json.dumps(lazy))
    .replace("__VERSION__", digest.hexdigest()[:16])
)
with open(path, "w", encoding="utf-8") as f:
    f.write(text)
