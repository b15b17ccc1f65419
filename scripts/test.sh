#!/usr/bin/env bash
# The README's test command: installs what is missing, builds natively and as WebAssembly, and runs
# every test: the doctest core suite (native, then under Node), the CLI checks, and the browser and
# desktop end-to-end tests when present. Exits non-zero as soon as a suite fails.
# The committed fuzz inputs (tests/fuzz/corpus, tests/fuzz/regressions) are replayed deterministically
# under ASan + UBSan, as WebAssembly, and (images) under valgrind: tests/fuzz/replay.sh.
# Usage: scripts/test.sh [--no-install] [--no-wasm] [--no-e2e] [--no-sanitize] [--fuzz]
#   --fuzz  also a short exploratory fuzz pass (scripts/fuzz.sh, BLOODCELL_FUZZ_SECONDS per target,
#           default 60). Off by default: a new find must not fail the test command at random.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
install=1; wasm=1; e2e=1; sanitize=1; fuzz=0
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    --no-wasm) wasm=0 ;;
    --no-e2e) e2e=0 ;;
    --no-sanitize) sanitize=0 ;;
    --fuzz) fuzz=1 ;;
    --no-fuzz) fuzz=0 ;;  # the default now; kept so older command lines still work
    *) echo "test.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done
jobs="$(nproc 2>/dev/null || echo 2)"
step() { printf '\n==== %s ====\n' "$*"; }

if [ "$install" = 1 ]; then
  step "dependencies"
  scripts/install_deps.sh --tests
fi

step "native build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"

step "core tests (native)"
build/bloodcell_tests

step "CLI tests"
tests/cli/test_cli.sh build/bloodcell

step "figures in README.md and assets/MODELS.md against the shipped models"
tests/cli/check_figures.sh build/bloodcell

step "layout rules (scripts/check_layout.py)"
scripts/check_layout.py

if [ "$wasm" = 1 ]; then
  step "WebAssembly build"
  export NODE_PATH=/usr/share/nodejs
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-wasm -j"$jobs"
  step "core tests (WebAssembly under Node)"
  node --no-experimental-fetch build-wasm/bloodcell_tests.js
  # --- fuzz replay (issue 16): the fuzz targets with the page's build flags
  step "fuzz corpus and regressions replayed as WebAssembly under Node"
  tests/fuzz/replay.sh --wasm build-wasm
fi

if [ "$e2e" = 1 ]; then
  for t in tests/e2e/run.sh tests/desktop/run.sh; do
    if [ -x "$t" ]; then
      step "$t"
      "$t"
    fi
  done
fi
if [ "$sanitize" = 1 ]; then
  step "core tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBLOODCELL_SANITIZE=ON -DBLOODCELL_BUILD_APP=OFF >/dev/null
  cmake --build build-asan -j"$jobs" --target bloodcell_tests bloodcell
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 build-asan/bloodcell_tests
  ASAN_OPTIONS=detect_leaks=1 tests/cli/test_cli.sh build-asan/bloodcell
  # --- fuzz replay (issue 16): every committed fuzz input, each alone and all in sequence
  step "fuzz corpus and regressions replayed under ASan + UBSan"
  cmake --build build-asan -j"$jobs" --target replay_image replay_model replay_npz replay_specs
  tests/fuzz/replay.sh build-asan
  step "image corpus and regressions under valgrind (reads of uninitialised memory)"
  command -v valgrind >/dev/null || { echo "test.sh: valgrind missing (scripts/install_deps.sh --tests installs it)" >&2; exit 1; }
  # no AVX-512 code (valgrind cannot decode it), no sanitizers
  cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBLOODCELL_NATIVE_ARCH=OFF -DBLOODCELL_BUILD_APP=OFF >/dev/null
  cmake --build build-valgrind -j"$jobs" --target replay_image
  tests/fuzz/replay.sh --valgrind --target image build-valgrind
fi

if [ "$fuzz" = 1 ]; then
  step "short exploratory fuzz pass (${BLOODCELL_FUZZ_SECONDS:-60}s per target)"
  scripts/fuzz.sh "${BLOODCELL_FUZZ_SECONDS:-60}"
fi
step "all tests passed"
