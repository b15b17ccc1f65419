#!/usr/bin/env bash
# Replays the committed fuzz inputs through every fuzz target, deterministically: no fuzzing, no time
# limit, the same inputs every run (exploratory fuzzing is scripts/fuzz.sh). For each target
# (image, model, npz, specs) the inputs are tests/fuzz/corpus/<target>/* and that target's files in
# tests/fuzz/regressions/ (by extension: .jpg .jpeg .png .bmp -> image, .bcm -> model, .npz .npy -> npz,
# .txt -> specs; any other file there is an error, so no regression is skipped by accident). They run
#   1. each in a fresh process, and
#   2. all in one process, in name order and then in reverse order (so state an input leaves behind,
#      such as stb's failure reason, meets the others),
# through BUILD/replay_<target> (tests/fuzz/replay_main.cpp + tests/fuzz/fuzz_<target>.cpp), which every
# build with tests makes. Any non-zero exit, abort or trap, and any sanitizer report in the output even
# if the process survived it, fails the replay.
#
# Usage: tests/fuzz/replay.sh [--wasm | --valgrind] [--target T]... BUILD_DIR
#   BUILD_DIR   e.g. build-asan (ASan + UBSan, scripts/test.sh), build, build-fuzz
#   --wasm      BUILD_DIR is an Emscripten build: run BUILD_DIR/replay_<target>.js under Node
#   --valgrind  run under valgrind (memcheck); use a build without AVX-512 code, which valgrind cannot
#               decode (-DBLOODCELL_NATIVE_ARCH=OFF), and no sanitizers
#   --target T  only this target (repeatable); default: all four
# Exit 0 when everything passed, 1 on a failure (named on stderr), 2 on bad usage.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
mode=native; build=""; targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --wasm) mode=wasm ;;
    --valgrind) mode=valgrind ;;
    --target) shift; targets+=("${1:?--target needs a name}") ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "replay.sh: unknown option '$1'" >&2; exit 2 ;;
    *) build="$1" ;;
  esac
  shift
done
[ -n "$build" ] || { echo "usage: tests/fuzz/replay.sh [--wasm|--valgrind] [--target T]... BUILD_DIR" >&2; exit 2; }
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
cd "$here"
[ ${#targets[@]} -gt 0 ] || targets=(image model npz specs)

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"

target_of() {  # regression file -> target
  case "${1,,}" in
    *.jpg|*.jpeg|*.png|*.bmp) echo image ;;
    *.bcm) echo model ;;
    *.npz|*.npy) echo npz ;;
    *.txt) echo specs ;;
    *) echo "" ;;
  esac
}
for f in tests/fuzz/regressions/*; do
  [ -f "$f" ] || continue
  [ -n "$(target_of "$f")" ] || { echo "replay.sh: $f: no fuzz target for this extension (see the list in tests/fuzz/replay.sh)" >&2; exit 2; }
done

log="$(mktemp)"; trap 'rm -f "$log"' EXIT
# run LABEL CMD...: the command must exit 0 and print no sanitizer or valgrind report
run() {
  local label="$1"; shift
  "$@" >"$log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] || grep -qE "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: UndefinedBehaviorSanitizer|==[0-9]+== (Invalid|Conditional|Use of uninitialised|Syscall param)" "$log"; then
    echo "!! replay failed: $label (exit $rc)" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

status=0
for t in "${targets[@]}"; do
  case "$mode" in
    native) cmd=("$build/replay_$t") ; bin="$build/replay_$t" ;;
    wasm) cmd=(node --no-experimental-fetch "$build/replay_$t.js"); bin="$build/replay_$t.js" ;;
    valgrind) cmd=(valgrind -q --error-exitcode=99 "$build/replay_$t"); bin="$build/replay_$t" ;;
  esac
  [ -f "$bin" ] || { echo "replay.sh: $bin missing (build the target replay_$t in $build)" >&2; exit 2; }
  inputs=()
  for f in tests/fuzz/corpus/"$t"/*; do [ -f "$f" ] && inputs+=("$f"); done
  for f in tests/fuzz/regressions/*; do [ -f "$f" ] && [ "$(target_of "$f")" = "$t" ] && inputs+=("$f"); done
  [ ${#inputs[@]} -gt 0 ] || { echo "replay.sh: no inputs for $t" >&2; status=1; continue; }
  reversed=()
  for ((i = ${#inputs[@]} - 1; i >= 0; i--)); do reversed+=("${inputs[$i]}"); done
  start=$SECONDS; failed=0
  for f in "${inputs[@]}"; do
    run "$t: $f alone" "${cmd[@]}" --quiet "$f" || failed=1
  done
  run "$t: all ${#inputs[@]} inputs in one process" "${cmd[@]}" --quiet "${inputs[@]}" || failed=1
  run "$t: all ${#inputs[@]} inputs in one process, reverse order" "${cmd[@]}" --quiet "${reversed[@]}" || failed=1
  if [ $failed = 0 ]; then
    echo "replay ($mode) $t: ${#inputs[@]} inputs, each alone and all in sequence both ways: ok ($((SECONDS - start)) s)"
  else
    status=1
  fi
done
exit $status
