#!/usr/bin/env bash
# Builds the web bundle: the ImGui app compiled to WebAssembly (Emscripten, WebGL2) plus our HTML
# shell from web/ and the teaching set and pretrained models (out/web/assets/, which the page downloads
# after the app), into a folder any static server can serve (default out/web). Two builds of the
# app: bloodcell_web (one thread; build-wasm) and bloodcell_web_mt (threads; build-wasm-mt), which
# the page loads when the server sends COOP/COEP headers (scripts/serve.js does).
# Usage: ./build_wasm.sh [--serve] [--port N] [--out DIR] [--no-threads]
#   --serve       then serve it on http://127.0.0.1:PORT/ (default 8080) with COOP/COEP headers
#   --no-threads  skip the threaded build (the page then always runs on one thread)
# Needs: scripts/install_deps.sh (emscripten, imgui sources). NODE_PATH lets Debian's emcc find acorn.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
serve=0; port="${PORT:-8080}"; out="$here/out/web"; threads=1
while [ $# -gt 0 ]; do
  case "$1" in
    --serve) serve=1 ;;
    --port) port="$2"; shift ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    --no-threads) threads=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "build_wasm.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
# A fresh clone has neither Emscripten nor Dear ImGui's sources: install what is missing (idempotent,
# quick when everything is there) instead of failing halfway with a missing CMake target.
if ! command -v emcc >/dev/null 2>&1 || [ ! -f "$here/third_party/imgui/imgui.cpp" ]; then
  echo "build_wasm.sh: installing what the build needs (scripts/install_deps.sh)" >&2
  "$here/scripts/install_deps.sh" || { echo "build_wasm.sh: run scripts/install_deps.sh (as root or with sudo), then ./build_wasm.sh again" >&2; exit 1; }
fi
# The presets of CMakePresets.json set every cache value explicitly, so whichever script configured
# build-wasm before (the test command, the benchmark), this builds the same thing.
cd "$here"
cmake --preset wasm >/dev/null
cmake --build --preset wasm --target bloodcell_web -j "${JOBS:-2}"
if [ "$threads" = 1 ]; then
  cmake --preset wasm-threads >/dev/null
  cmake --build --preset wasm-threads -j "${JOBS:-2}"
fi
build="$here/build-wasm"; mt="$here/build-wasm-mt"

mkdir -p "$out"
cp "$here"/web/index.html "$here"/web/bloodcell.js "$out"/
# the teaching set and the pretrained models: served next to the page, downloaded by web/bloodcell.js
# after the .wasm (not embedded in it, so the app's first frame does not wait for them)
rm -rf "$out/assets"
mkdir -p "$out/assets"
cp "$here"/assets/teaching.npz "$here"/assets/*.bcm "$here"/assets/README.md "$out/assets/"
cp "$build"/bloodcell_web.js "$build"/bloodcell_web.wasm "$out"/
if [ "$threads" = 1 ]; then
  cp "$mt"/bloodcell_web_mt.js "$mt"/bloodcell_web_mt.wasm "$mt"/bloodcell_web_mt.worker.js "$out"/
else
  rm -f "$out"/bloodcell_web_mt.js "$out"/bloodcell_web_mt.wasm "$out"/bloodcell_web_mt.worker.js
fi
echo "build_wasm.sh: web bundle in $out ($(du -sh "$out" | cut -f1))" >&2

if [ "$serve" = 1 ]; then
  exec node "$here/scripts/serve.js" "$out" "$port"
fi
