#!/usr/bin/env bash
# The benchmark command: installs what the peers need (scripts/install_deps.sh --bench), builds
# bloodcell natively (build/) and as WebAssembly (the bench page's CLI in build-wasm and,
# with threads, in build-wasm-mt; the web app with build_wasm.sh), then runs bench/run_all.mjs: one
# table of bloodcell beside TensorFlow.js (wasm, cpu, webgl) and ONNX Runtime Web (same Chromium
# session) and PyTorch on OpenBLAS, each row with its configuration (threads, batch, BLAS/backend),
# the GEMM shapes as fractions of the f32x4 mul+add peak, the ratios and the targets of issues 5 and
# 13, also written to bench/results.json. Takes a few minutes; not a test.
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
  # the presets of CMakePresets.json: native (build/) and wasm (build-wasm/, build-wasm-mt/)
  echo "bench.sh: native build (build/)" >&2
  cmake --preset native >/dev/null
  cmake --build --preset bench -j "$jobs"
  export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
  echo "bench.sh: WebAssembly builds (build-wasm, build-wasm-mt, the web app)" >&2
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm-bench -j "$jobs"
  cmake --preset wasm-threads >/dev/null
  cmake --build --preset wasm-threads-bench -j "$jobs"
  ./build_wasm.sh
fi
node bench/run_all.mjs "${pass[@]}"
# the Train tab's Quick demo: val ACC against wall time from a cold page (time_to_accuracy in results.json)
node bench/time_to_accuracy.mjs
# Classify with a batch: 1,000 dropped 360x363 JPGs, decode + preprocess + predict end to end (batch_classify)
node bench/batch_classify.mjs
