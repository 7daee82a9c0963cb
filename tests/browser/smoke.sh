#!/usr/bin/env bash
# Browser smoke test: serves the release build from a sub-path (as a static
# host's project page would) and checks in headless Chromium that the wasm app
# mounts and shows its text. Usage: tests/browser/smoke.sh [DIST_DIR]
set -euo pipefail
dist="${1:-dist}"
root=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/sub/path"
cp -r "$dist"/. "$root/sub/path/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$root" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/sub/path/" >/dev/null && break; sleep 0.1; done
dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --disable-sync --user-data-dir="$root/profile" \
  --virtual-time-budget=10000 --dump-dom "http://127.0.0.1:$port/sub/path/" 2>/dev/null)
expected="Reads Synthea CSV exports from 2.5 to 4.0"
if grep -q "$expected" <<<"$dom"; then
  echo "browser smoke: the app mounted from a sub-path (found \"$expected\")"
else
  echo "browser smoke: FAILED, the page did not render the app. DOM was:" >&2
  echo "$dom" >&2
  exit 1
fi
