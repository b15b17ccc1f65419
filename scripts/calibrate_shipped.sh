#!/bin/sh
# Calibrates the shipped models in place (issue 12): fits the temperature and the unsure threshold on
# the val split (single view and 8-view averaging, for ACC >= 0.995 of the covered images), writes
# assets/vgg6_w<W>.calibration.json, and measures them again on the test split (.test.json,
# .test_tta.json: ACC, AUC, ECE and NLL before and after, coverage and ACC at the threshold).
# Weights and training record are unchanged; running it twice gives the same files.
# Usage: scripts/calibrate_shipped.sh [WIDTH...]   (default: 32 16)
# Environment: BLOODCELL (the CLI, default build/bloodcell), DATA (default ../shared/data/bloodmnist.npz),
# TARGET (default 0.995).
set -eu
cd "$(dirname "$0")/.."
BIN=${BLOODCELL:-build/bloodcell}
DATA=${DATA:-../shared/data/bloodmnist.npz}
TARGET=${TARGET:-0.995}
[ -x "$BIN" ] || { echo "calibrate_shipped.sh: $BIN not found; build first (cmake --preset native && cmake --build build)" >&2; exit 1; }
for W in ${@:-32 16}; do
  OUT=assets/vgg6_w$W
  "$BIN" calibrate --model "$OUT.bcm" --data "$DATA" --target "$TARGET" --out "$OUT.bcm" --json > "$OUT.calibration.json"
  "$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --json > "$OUT.test.json"
  "$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --tta --json > "$OUT.test_tta.json"
  "$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --tta >&2
done
