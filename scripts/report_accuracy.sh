#!/bin/sh
# Prints the accuracy of every model on the BloodMNIST test split, with runtimes, as the Markdown
# table that assets/MODELS.md and the README quote (not asserted in CI, which trains only on small
# subsets). Trains logreg, forest, fcnn and cnn with the CLI's default settings (cnn: 30 epochs,
# Adam 1e-3 cosine, batch 64, dihedral augmentation, best epoch on val) and evaluates the shipped
# vgg6 files, then classifies the 96 full-size PBC images of ../shared/data/pbc_samples.
# Usage: scripts/report_accuracy.sh   Environment: BLOODCELL (default build/bloodcell), DATA, OUT
# (default build/report: the trained models, compare.csv/.md/.png).
set -eu
cd "$(dirname "$0")/.."
BIN=${BLOODCELL:-build/bloodcell}
DATA=${DATA:-../shared/data/bloodmnist.npz}
OUT=${OUT:-build/report}
PBC=${PBC:-$(dirname "$DATA")/pbc_samples}
[ -x "$BIN" ] || { echo "report_accuracy.sh: $BIN not found; build first" >&2; exit 1; }
mkdir -p "$OUT"
USE=""
for w in 32 16; do
    [ -f "assets/vgg6_w$w.bcm" ] && USE="${USE:+$USE,}vgg6_w$w=assets/vgg6_w$w.bcm"
done
"$BIN" compare --data "$DATA" --models logreg,forest,fcnn,cnn --trees 500 ${USE:+--use "$USE"} \
    --md-out "$OUT/compare.md" --csv-out "$OUT/compare.csv" --png "$OUT/compare.png"
if [ -f assets/vgg6_w32.bcm ] && [ -d "$PBC" ]; then
    echo
    echo "pbc_samples: vgg6_w32 on $(ls "$PBC"/*.jpg | wc -l) full-size images (center crop + area resize to 28x28)"
    "$BIN" predict --model assets/vgg6_w32.bcm "$PBC"/*.jpg > "$OUT/pbc_predictions.txt"
    # labels.csv: file,label,class,bloodmnist_test_index; predictions: "PATH: CLASS (p) ..."
    awk -F, 'NR == FNR { if (FNR > 1) truth[$1] = $3; next }
             { split($1, parts, ": "); n = split(parts[1], path, "/"); file = path[n];
               cls = parts[2]; sub(/ \(.*/, "", cls); total++; if (truth[file] == cls) ok++ }
             END { printf "pbc_samples accuracy: %d/%d = %.4f\n", ok, total, ok / total }' \
        "$PBC/labels.csv" "$OUT/pbc_predictions.txt"
fi
