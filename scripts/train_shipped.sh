#!/bin/sh
# Trains the shipped vgg6 model(s) on the official BloodMNIST train split, selecting the best epoch
# on val, then measures them on the test split with and without 8-view test-time averaging.
# Writes assets/vgg6_w<W>.bcm, .train.json (per-epoch history), .test.json and .test_tta.json.
# Usage: scripts/train_shipped.sh [WIDTH [EPOCHS]]   (defaults: 32 50; the page's variant is 16)
# Environment: BLOODCELL (the CLI, default build/bloodcell), DATA (default ../shared/data/bloodmnist.npz),
# SEED (default 1), WD (AdamW weight decay, default 0), EMA (weight-averaging decay per batch, default 0 = off),
# OUT (default assets/vgg6_w<W>), SMOOTH (label smoothing, default 0), DISTILL (the teacher's share of the
# target, default 0 = off) with TEACHER (its model file), DISTILL_TEMP (default 1) and TEACHER_CACHE (a file that
# keeps the teacher's pass for the next run of the same teacher and data), CUTMIX (the share of
# images given a rectangle of another, default 0 = off), THREADS (default: all),
# TEST (1 = measure on test right away, the default; 0 = train only, for a protocol that looks at test
# once after selection: issue 14, assets/MODELS.md); for a phase that goes on from a finished run:
# INIT (a model file to start from), LR (default 1e-3), SCHEDULE (default cosine), SWA (the first epoch
# of stochastic weight averaging, default 0 = off); LAYERS (a layer list for --layers, in place of vgg6's
# own; WIDTH is then only the name's number).
set -eu
cd "$(dirname "$0")/.."
W=${1:-32}
EPOCHS=${2:-50}
BIN=${BLOODCELL:-build/bloodcell}
DATA=${DATA:-../shared/data/bloodmnist.npz}
SEED=${SEED:-1}
WD=${WD:-0}
EMA=${EMA:-0}
OUT=${OUT:-assets/vgg6_w$W}
SMOOTH=${SMOOTH:-0}
DISTILL=${DISTILL:-0}
DISTILL_TEMP=${DISTILL_TEMP:-1}
TEST=${TEST:-1}
EXTRA=""
[ "$SMOOTH" = 0 ] || EXTRA="$EXTRA --smoothing $SMOOTH"
[ "${CUTMIX:-0}" = 0 ] || EXTRA="$EXTRA --cutmix $CUTMIX"
[ "$DISTILL" = 0 ] || EXTRA="$EXTRA --distill $DISTILL --teacher ${TEACHER:?DISTILL needs TEACHER=MODEL.bcm} --distill-temp $DISTILL_TEMP"
[ -z "${TEACHER_CACHE:-}" ] || EXTRA="$EXTRA --teacher-cache $TEACHER_CACHE"
[ -z "${THREADS:-}" ] || EXTRA="$EXTRA --threads $THREADS"
[ -z "${INIT:-}" ] || EXTRA="$EXTRA --init $INIT"
[ "${SWA:-0}" = 0 ] || EXTRA="$EXTRA --swa $SWA"
LR=${LR:-1e-3}
SCHEDULE=${SCHEDULE:-cosine}
[ -x "$BIN" ] || { echo "train_shipped.sh: $BIN not found; build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
echo "== vgg6 w=$W${LAYERS:+ as layers '$LAYERS'}, $EPOCHS epochs, Adam $LR $SCHEDULE (weight decay $WD, weight averaging $EMA), batch 64, dihedral augmentation, seed $SEED$EXTRA ($(date -u))" >&2
# shellcheck disable=SC2086
"$BIN" train --model vgg6 --width "$W" ${LAYERS:+--layers "$LAYERS"} --data "$DATA" --epochs "$EPOCHS" --batch 64 --lr "$LR" \
    --optimizer adam --wd "$WD" --ema "$EMA" --schedule "$SCHEDULE" --augment --seed "$SEED" $EXTRA --checkpoint --out "$OUT.bcm" --json > "$OUT.train.json"
[ "$TEST" = 1 ] || { echo "== trained, test not measured (TEST=0) ($(date -u))" >&2; exit 0; }
"$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --json > "$OUT.test.json"
"$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --tta --json > "$OUT.test_tta.json"
"$BIN" eval --model "$OUT.bcm" --data "$DATA" --split test --tta >&2
echo "== done ($(date -u))" >&2
