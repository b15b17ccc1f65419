#!/usr/bin/env bash
# Builds the web bundle: the ImGui app compiled to WebAssembly (Emscripten, WebGL2) plus our HTML
# shell from web/, into a folder any static server can serve (default out/web).
# Usage: ./build_wasm.sh [--serve] [--port N] [--out DIR]
#   --serve   then serve it on http://127.0.0.1:PORT/ (default 8080) with COOP/COEP headers
# Needs: scripts/install_deps.sh (emscripten, imgui sources). NODE_PATH lets Debian's emcc find acorn.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
serve=0; port="${PORT:-8080}"; out="$here/out/web"
while [ $# -gt 0 ]; do
  case "$1" in
    --serve) serve=1 ;;
    --port) port="$2"; shift ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "build_wasm.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
build="$here/build-wasm"
if [ ! -f "$build/CMakeCache.txt" ]; then
  emcmake cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target bloodcell_web -j "${JOBS:-2}"

mkdir -p "$out"
cp "$here"/web/index.html "$here"/web/bloodcell.js "$out"/
cp "$build"/bloodcell_web.js "$build"/bloodcell_web.wasm "$out"/
echo "build_wasm.sh: web bundle in $out ($(du -sh "$out" | cut -f1))" >&2

if [ "$serve" = 1 ]; then
  exec node "$here/scripts/serve.js" "$out" "$port"
fi
