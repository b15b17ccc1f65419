#!/usr/bin/env bash
# Rebuilds assets/teaching.npz, the teaching set that the web page and the desktop app open with:
# 24% of every class of every split of BloodMNIST (4,100 images, seed 0), from the full file.
# Usage: scripts/make_sample.sh [DATA.npz]   (default ../shared/data/bloodmnist.npz)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$here/../shared/data/bloodmnist.npz}"
if [ ! -x "$here/build/bloodcell" ]; then
  cmake --preset native >/dev/null
  cmake --build --preset native -j2 --target bloodcell >/dev/null
fi
"$here/build/bloodcell" make-sample "$data" --out "$here/assets/teaching.npz" --fraction 0.24 --seed 0
