#!/usr/bin/env bash
# Checks that the figures written in README.md and assets/MODELS.md come from the shipped files:
# `bloodcell eval` of each shipped model on the test split (with and without 8-view averaging) must
# give the ACC and AUC the tables print, to their 4 decimals; and `bloodcell predict` on the 96
# full-size PBC images, scored against labels.csv by class index, must stay >= 0.92 for the model
# Classify uses. Usage: tests/cli/check_figures.sh path/to/bloodcell
set -uo pipefail
bin="${1:?usage: check_figures.sh path/to/bloodcell}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/../shared/data/bloodmnist.npz"
pbc="$root/../shared/data/pbc_samples"
fails=0
say() { printf '%s %s\n' "$1" "$2"; [ "$1" = ok ] || fails=$((fails + 1)); }

# the row of a shipped file in MODELS.md's first table: | `vgg6_w32.bcm` | w | params | size | ACC | AUC | TTA ACC | TTA AUC | ...
models_row() { grep -m1 "^| \`$1\` |" "$root/assets/MODELS.md" | tr -d ' ' | cut -d'|' -f6-9; }
# 4-decimal rounding of one field of eval --json
measure() { "$bin" eval --model "$root/assets/$1" --data "$data" --split test $2 --json 2>/dev/null |
  python3 -c 'import json,sys; e=json.load(sys.stdin)["eval"]; print("%.4f|%.4f" % (e["acc"], e["auc"]))'; }

# The four evaluations run at once (the 8-view one of vgg6_w32 takes most of the time, on one core),
# each into its own file; the checks below read them.
got="$(mktemp -d)"; trap 'rm -rf "$got"' EXIT
for f in vgg6_w32.bcm vgg6_w16.bcm; do
  measure "$f" "" > "$got/$f.plain" &
  measure "$f" --tta > "$got/$f.tta" &
done
wait
for f in vgg6_w32.bcm vgg6_w16.bcm; do
  row="$(models_row "$f")"
  [ -n "$row" ] || { say FAIL "$f: no row in assets/MODELS.md"; continue; }
  want_plain="$(echo "$row" | cut -d'|' -f1-2)"; want_tta="$(echo "$row" | cut -d'|' -f3-4)"
  got_plain="$(cat "$got/$f.plain")"; got_tta="$(cat "$got/$f.tta")"
  [ "$got_plain" = "$want_plain" ] && say ok "$f test ACC|AUC $got_plain as MODELS.md says" \
    || say FAIL "$f test ACC|AUC: eval gives $got_plain, MODELS.md says $want_plain"
  [ "$got_tta" = "$want_tta" ] && say ok "$f 8-view ACC|AUC $got_tta as MODELS.md says" \
    || say FAIL "$f 8-view ACC|AUC: eval gives $got_tta, MODELS.md says $want_tta"
  # the README's accuracy table repeats them: | `vgg6` w=32 (...) | ACC | AUC | TTA ACC / TTA AUC with ... |
  w="${f#vgg6_w}"; w="${w%.bcm}"
  readme="$(grep -m1 "^| \`vgg6\` w=$w " "$root/README.md" | tr -d ' ' | cut -d'|' -f3-5 | sed 's|/|\||; s|with.*||')"
  [ "$readme" = "$want_plain|$want_tta" ] && say ok "README's vgg6 w=$w row matches" \
    || say FAIL "README's vgg6 w=$w row says '$readme', want '$want_plain|$want_tta'"
done

# the 96 PBC images, scored by class index (labels.csv: file,label,class,...)
shopt -s nullglob
imgs=("$pbc"/*.jpg)
if [ ${#imgs[@]} -ne 96 ]; then
  say FAIL "want 96 PBC images in $pbc, found ${#imgs[@]}"
else
  "$bin" predict --model "$root/assets/vgg6_w32.bcm" --json "${imgs[@]}" 2>/dev/null > "${TMPDIR:-/tmp}/pbc_pred.json"
  right="$(python3 - "$pbc/labels.csv" "${TMPDIR:-/tmp}/pbc_pred.json" <<'PY'
import csv, json, os, sys
truth = {r["file"]: int(r["label"]) for r in csv.DictReader(open(sys.argv[1]))}
preds = json.load(open(sys.argv[2]))["predictions"]
assert len(preds) == 96, len(preds)
print(sum(truth[os.path.basename(p["file"])] == p["label"] for p in preds))
PY
)"
  if [ -n "$right" ] && [ "$right" -ge 89 ]; then say ok "vgg6_w32 on the 96 PBC images: $right/96 right (>= 0.92)"
  else say FAIL "vgg6_w32 on the 96 PBC images: ${right:-?}/96 right (want >= 89, i.e. 0.92)"; fi
fi
if [ $fails -ne 0 ]; then echo "$fails figure check(s) failed"; exit 1; fi
echo "all figure checks passed"
