#!/usr/bin/env bash
# The benchmark command: installs what the peers need (scripts/install_deps.sh --bench), builds
# bloodcell natively (build-bench) and as WebAssembly (the bench page's CLI in build-wasm-bench and,
# with threads, in build-wasm-mt; the web app with build_wasm.sh), then runs bench/run_all.mjs: one
# table of bloodcell beside TensorFlow.js (same Chromium session) and PyTorch, the ratios and the
# targets of issue 5, also written to bench/results.json. Takes a few minutes; not a test.
# Usage: scripts/bench.sh [--seconds S] [--no-install] [--no-build] [other bench/run_all.mjs options]
#   --seconds S  seconds per measured figure (default 4; each system/model pair takes about 1.75 S)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
install=1; build=1; pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) pass+=("$1") ;;
  esac
  shift
done
jobs="${JOBS:-2}"
[ "$install" = 1 ] && scripts/install_deps.sh --bench
if [ "$build" = 1 ]; then
  echo "bench.sh: native build (build-bench)" >&2
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF -DBLOODCELL_BUILD_APP=OFF >/dev/null
  cmake --build build-bench --target bloodcell bench_gemm -j "$jobs"
  export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
  echo "bench.sh: WebAssembly builds (build-wasm-bench, build-wasm-mt, the web app)" >&2
  if [ ! -f build-wasm-bench/CMakeCache.txt ]; then
    emcmake cmake -S . -B build-wasm-bench -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF -DBLOODCELL_BUILD_APP=OFF >/dev/null
  fi
  cmake --build build-wasm-bench --target bench_web bench_gemm bloodcell -j "$jobs"
  if [ ! -f build-wasm-mt/CMakeCache.txt ]; then
    emcmake cmake -S . -B build-wasm-mt -DCMAKE_BUILD_TYPE=Release -DBLOODCELL_BUILD_TESTS=OFF -DBLOODCELL_WASM_THREADS=ON >/dev/null
  fi
  cmake --build build-wasm-mt --target bench_web -j "$jobs"
  ./build_wasm.sh
fi
exec node bench/run_all.mjs "${pass[@]}"
