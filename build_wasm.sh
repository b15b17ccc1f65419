#!/usr/bin/env bash
# Builds the web bundle: the ImGui app compiled to WebAssembly (Emscripten, WebGL2) plus our HTML
# shell from web/ and the sample and pretrained models (out/web/assets/, which the page downloads
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
build="${BLOODCELL_WASM_BUILD:-$here/build-wasm}"  # folders overridable, e.g. for a second checkout
if [ ! -f "$build/CMakeCache.txt" ]; then
  emcmake cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target bloodcell_web -j "${JOBS:-2}"
if [ "$threads" = 1 ]; then
  # only the app: the core's tests run in the single-threaded build
  mt="${BLOODCELL_WASM_MT_BUILD:-$here/build-wasm-mt}"
  if [ ! -f "$mt/CMakeCache.txt" ]; then
    emcmake cmake -S "$here" -B "$mt" -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF -DBLOODCELL_WASM_THREADS=ON >/dev/null
  fi
  cmake --build "$mt" --target bloodcell_web -j "${JOBS:-2}"
fi

mkdir -p "$out"
cp "$here"/web/index.html "$here"/web/bloodcell.js "$out"/
# the sample and the pretrained models: served next to the page, downloaded by web/bloodcell.js
# after the .wasm (not embedded in it, so the app's first frame does not wait for them)
rm -rf "$out/assets"
mkdir -p "$out/assets"
cp "$here"/assets/sample.npz "$here"/assets/*.bcm "$here"/assets/README.md "$out/assets/"
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
