#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every configuration of CMakePresets.json
# the tests need, and runs the tests registered with ctest, by label (CMakeLists.txt lists them):
#   core, cli     the native build: doctest suite, layout rules, CLI checks, README/MODELS.md figures
#   wasm          the WebAssembly build: the doctest suite and the fuzz replay under Node; the suite
#                 again in the threaded build (build preset wasm-threads-tests, in build-wasm-mt)
#   e2e, desktop  the page in headless Chromium (both builds), the desktop app under Xvfb
#   sanitize      the doctest suite, the CLI checks and the fuzz replay under ASan + UBSan
#   fuzz          every committed fuzz input replayed deterministically (also under valgrind)
# Exits non-zero when a test fails (after running the rest of that stage).
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
    --no-fuzz) fuzz=0 ;;  # the default; kept so older command lines still work
    *) echo "test.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done
export JOBS="$(nproc 2>/dev/null || echo 2)" NODE_PATH=/usr/share/nodejs
# each step's heading says how long the run has taken so far; the end lists the time of every stage
# (CI must stay under 20 minutes on two cores: this shows where they go)
times=""; last="start"; last_t=0
step() {
  [ "$last" = start ] || times="$times$(printf '%6ds  %s' $((SECONDS - last_t)) "$last")\n"
  last="$*"; last_t=$SECONDS
  printf '\n==== %s (%d:%02d in) ====\n' "$*" $((SECONDS / 60)) $((SECONDS % 60))
}
summary() { step "end"; printf '\nwhere the time went:\n%b' "$times"; }
status=0
# configure a preset, build it (or the build preset named third, for one folder's tests), then run
# its tests with the given labels (a regular expression)
stage() {
  local preset="$1" labels="$2" build="${3:-$1}"
  step "$build: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$build" -j "$JOBS"
  step "$build: tests labelled $labels"
  ctest --preset "$build" -L "$labels" || status=1
}

if [ "$install" = 1 ]; then
  step "dependencies"
  scripts/install_deps.sh --tests
fi

stage native '^(core|cli)$'
[ "$wasm" = 1 ] && stage wasm '^wasm$'
# the same suite with threads (the nn pool's Web Workers under Node), as the threaded page runs it;
# built in the threaded page's folder, whose core the page's build has compiled already
[ "$wasm" = 1 ] && stage wasm-threads '^wasm$' wasm-threads-tests
if [ "$e2e" = 1 ]; then
  step "native: tests labelled e2e, desktop (the page is built by build_wasm.sh)"
  ctest --preset native -L '^(e2e|desktop)$' || status=1
fi
if [ "$sanitize" = 1 ]; then
  stage asan '^sanitize$'
  command -v valgrind >/dev/null || { echo "test.sh: valgrind missing (scripts/install_deps.sh --tests installs it)" >&2; exit 1; }
  stage valgrind '^fuzz$'
fi
if [ "$fuzz" = 1 ]; then
  step "short exploratory fuzz pass (${BLOODCELL_FUZZ_SECONDS:-60}s per target)"
  scripts/fuzz.sh "${BLOODCELL_FUZZ_SECONDS:-60}" || status=1
fi
summary
if [ "$status" != 0 ]; then step "some tests FAILED (see above)"; exit 1; fi
step "all tests passed"
