#!/usr/bin/env bash
# The main command: installs what bloodcell needs (Debian packages, ImGui sources), builds the web
# app and serves it on http://127.0.0.1:8080/ (Ctrl-C stops it). Everything runs locally.
# Usage: scripts/run.sh [--port N] [--desktop] [--build-only]
#   --desktop     build and start the native desktop app instead of the web page
#   --build-only  install and build, then stop (CI checks that the README's order works)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8080}"; desktop=0; build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift ;;
    --desktop) desktop=1 ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

"$here/scripts/install_deps.sh"
cd "$here"
if [ "$desktop" = 1 ]; then
  cmake --preset native >/dev/null
  cmake --build --preset native --target bloodcell_desktop -j "${JOBS:-2}"
  [ "$build_only" = 1 ] && exit 0
  exec "$here/build/bloodcell_desktop"
fi
echo "run.sh: building the web app (the first build takes a few minutes)" >&2
"$here/build_wasm.sh"
[ "$build_only" = 1 ] && exit 0
echo "run.sh: open http://127.0.0.1:$port/ in a browser" >&2
exec node "$here/scripts/serve.js" "$here/out/web" "$port"
