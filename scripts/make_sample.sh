#!/usr/bin/env bash
# Rebuilds assets/sample.npz, the small stratified BloodMNIST sample that the web page opens with:
# 32 images per class from train, 8 per class from val and test (seed 0), from the full file.
# Usage: scripts/make_sample.sh [DATA.npz]   (default ../shared/data/bloodmnist.npz)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$here/../shared/data/bloodmnist.npz}"
if [ ! -x "$here/build/bloodcell" ]; then
  cmake -S "$here" -B "$here/build" -DBLOODCELL_BUILD_APP=OFF >/dev/null
  cmake --build "$here/build" -j2 --target bloodcell >/dev/null
fi
"$here/build/bloodcell" make-sample "$data" --out "$here/assets/sample.npz" --per-class 32,8,8 --seed 0
