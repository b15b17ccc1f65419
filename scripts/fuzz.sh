#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, any sanitizer report fatal) and runs each for
# SECONDS (default 60), starting from the committed seed corpora in tests/fuzz/corpus/. New inputs go
# to build-fuzz/corpus/, crashes to build-fuzz/crashes/ (minimise each, e.g. with -minimize_crash=1,
# and add it to tests/fuzz/regressions/ with a test). Exits non-zero if any target fails.
# Exploratory, so not part of the test command; tests/fuzz/replay.sh replays the committed inputs.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600   (the long run)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-60}"; shift || true
cd "$here"
# stop at the first report of any sanitizer (the build also has -fno-sanitize-recover=all)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}halt_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ missing (scripts/install_deps.sh --tests installs it)" >&2; exit 2; }
cmake --preset fuzz >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build --preset fuzz -j"$(nproc)" --target "${targets[@]}"
mkdir -p build-fuzz/crashes
status=0
for t in "${targets[@]}"; do
  seed="tests/fuzz/corpus/${t#fuzz_}"
  work="build-fuzz/corpus/${t#fuzz_}"
  mkdir -p "$work"
  echo "== $t for ${secs}s (seeds: $seed)"
  if ! "build-fuzz/$t" "$work" "$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2560 -max_len=200000 \
      -artifact_prefix="build-fuzz/crashes/$t-" -print_final_stats=1 2>"build-fuzz/$t.log"; then
    echo "!! $t failed; see build-fuzz/$t.log and build-fuzz/crashes/" >&2
    tail -n 30 "build-fuzz/$t.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "build-fuzz/$t.log" | tr '\n' ' '; echo
done
exit $status
