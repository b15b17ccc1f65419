#!/usr/bin/env bash
# Writes the seed corpus of fuzz_model (tests/fuzz/corpus/model/): real model files of every family,
# made tiny (a few KB each) by training on a handful of images of the old 384-image sample (assets/sample.npz
# until 2026-11-28, remade byte for byte from ../shared/data/bloodmnist.npz) for one epoch.
# Usage: tests/fuzz/make_model_corpus.sh path/to/bloodcell
set -euo pipefail
bin="$(cd "$(dirname "${1:?usage: make_model_corpus.sh path/to/bloodcell}")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/model
sample="$(mktemp -d)/sample.npz"
"$bin" make-sample "${BLOODMNIST:-../shared/data/bloodmnist.npz}" --out "$sample" --per-class 32,8,8 --seed 0 >/dev/null
mkdir -p "$out"
t() { "$bin" train --data "$sample" --quiet "$@" >/dev/null; }
t --model logreg --out "$out/logreg.bcm"
t --model forest --trees 3 --max-depth 3 --out "$out/forest.bcm"
t --model forest --trees 2 --max-depth 2 --pixels --out "$out/forest_pixels.bcm"
t --model fcnn --hidden 8 --subset per-class=2 --epochs 1 --out "$out/fcnn.bcm"
t --model cnn --layers "conv3x3 4 same;relu;maxpool2;conv3x3 4 valid s2;relu;flatten;dense 8" \
  --subset per-class=2 --epochs 1 --out "$out/cnn.bcm"
t --model vgg6 --width 2 --subset per-class=2 --epochs 1 --out "$out/vgg6.bcm"
t --model cnn --layers "bn;conv3x3 2 same;relu;dropout 0.3;gap;dense 8" --subset per-class=2 --epochs 1 \
  --out "$out/small_bn.bcm"
# a format-version-2 file with a fitted calibration block (the files above, kept from before it, are
# version 1: tests/test_calibration.cpp loads vgg6.bcm as an old file)
"$bin" calibrate --model "$out/vgg6.bcm" --data "$sample" --target 0.9 --out "$out/vgg6_calibrated.bcm" >/dev/null
ls -l "$out"
