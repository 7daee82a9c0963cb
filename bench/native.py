#!/usr/bin/env python3
"""Native benchmark of `lakehouse run` (release build) on scaled real data:
wall time, peak RSS and MB/s of input, pinned to one core and free on two.
Usage: native.py BIN INPUT_DIR... ; prints a Markdown table row per run."""
import os
import subprocess
import sys
import tempfile

binary, inputs = sys.argv[1], sys.argv[2:]


def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs if f.endswith(".csv"))


print("| input | MB | cores | wall s | peak RSS MB | RSS / input | MB/s |")
print("|---|---:|---:|---:|---:|---:|---:|")
for path in inputs:
    mb = size(path) / 1e6
    for cores in ("1", "2"):
        with tempfile.TemporaryDirectory() as out:
            pin = ["taskset", "-c", "0"] if cores == "1" else []
            result = subprocess.run(
                ["/usr/bin/time", "-f", "%e %M", *pin, binary, "run", path, "--out", out, "--quiet"],
                capture_output=True, text=True, check=True,
            )
            wall, rss_kb = result.stderr.strip().splitlines()[-1].split()
            rss = int(rss_kb) / 1024
            print(f"| {os.path.basename(path)} | {mb:.0f} | {cores} | {float(wall):.2f} | {rss:.0f} | {rss / mb:.2f} | {mb / float(wall):.0f} |")
