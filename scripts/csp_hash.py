#!/usr/bin/env python3
"""Trunk post-build hook: allow Trunk's inline module loader by hash.

Trunk writes an inline `<script type="module">` that loads the wasm. A static
site cannot use per-request nonces, so the Content-Security-Policy meta tag
gets the SHA-256 of each inline script instead (CSP level 2 hash source),
keeping `script-src` free of 'unsafe-inline'.
"""
import base64
import hashlib
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
path = os.path.join(staging, "index.html")
with open(path, encoding="utf-8") as f:
    html = f.read()
hashes = []
for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S):
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
    hashes.append(f"'sha256-{digest}'")
if hashes:
    html, count = re.subn(r"script-src 'self'", "script-src 'self' " + " ".join(hashes), html, count=1)
    if count != 1:
        sys.exit("csp_hash.py: no `script-src 'self'` in the CSP meta tag of index.html")
with open(path, "w", encoding="utf-8") as f:
    f.write(html)
