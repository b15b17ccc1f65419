#!/usr/bin/env bash
# Benchmark: `bloodcell features` over all 17,092 BloodMNIST images at L=256 (and L=16), natively.
# Prints images/s; not a test. Usage: bench/features.sh [DATA.npz]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$here/../shared/data/bloodmnist.npz}"
[ -x "$here/build/bloodcell" ] || { cmake -S "$here" -B "$here/build" >/dev/null && cmake --build "$here/build" -j2 --target bloodcell >/dev/null; }
for L in 256 16; do
  start=$(date +%s.%N)
  "$here/build/bloodcell" features "$data" --levels $L --csv 2>/dev/null | tail -n +2 | wc -l > /tmp/bloodcell_bench_rows
  end=$(date +%s.%N)
  rows=$(cat /tmp/bloodcell_bench_rows)
  awk -v r="$rows" -v s="$start" -v e="$end" -v L="$L" 'BEGIN { printf "features L=%-3d %d images in %.2f s (%.0f images/s, including reading the .npz and writing CSV)\n", L, r, e - s, r / (e - s) }'
done
