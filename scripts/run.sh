#!/usr/bin/env bash
# The main command: installs what bloodcell needs (Debian packages, ImGui sources), builds the web
# app and serves it on http://127.0.0.1:8080/ (Ctrl-C stops it). Everything runs locally.
# Usage: scripts/run.sh [--port N] [--desktop]
#   --desktop  build and start the native desktop app instead of the web page
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8080}"; desktop=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift ;;
    --desktop) desktop=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

"$here/scripts/install_deps.sh"
if [ "$desktop" = 1 ]; then
  cmake -S "$here" -B "$here/build-app" -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF >/dev/null
  cmake --build "$here/build-app" --target bloodcell_desktop -j "${JOBS:-2}"
  exec "$here/build-app/bloodcell_desktop"
fi
echo "run.sh: building the web app (the first build takes a few minutes)" >&2
"$here/build_wasm.sh"
echo "run.sh: open http://127.0.0.1:$port/ in a browser" >&2
exec node "$here/scripts/serve.js" "$here/out/web" "$port"
