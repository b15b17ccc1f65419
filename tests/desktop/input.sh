#!/usr/bin/env bash
# Runs inside xvfb-run (tests/desktop/run.sh): starts the desktop app on the Data tab, then sends
# real X input with xdotool and checks the effect in the app's state file (--state, JSON).
#   1. a wheel notch down over the gallery scrolls it down by 20..200 px; a notch up scrolls it back
#   2. a click on the Features tab, the pointer jumping there with no hover before, opens Features
#   3. Ctrl+O opens Classify with the focus in its path field: a typed path and Enter classify that image
#   and on the Data tab and the classified image no text is cut (state.layout.cut, as in the page)
# Usage: input.sh APP STATE.json IMAGE
set -euo pipefail
app="$1"; state="$2"; image="$3"
"$app" --tab Data --state "$state" --frames 20000 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

# q EXPR: evaluates a JS expression over the state `s` (node), prints it
q() { node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$state" "$1"; }
wait_for() {  # JS condition, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    if [ -s "$state" ] && [ "$(q "$1" 2>/dev/null)" = true ]; then return 0; fi
    sleep 0.1
  done
  # what the app was doing: still drawing (frames), which tab, its last frame time
  echo "timed out waiting for $1 after $2 s; state: $(q '"frames " + s.frames + ", tab " + s.tab + ", frame_ms " + s.frame_ms' 2>/dev/null) (frames ${3:-?} when the input was sent); $(head -c 300 "$state" 2>/dev/null)"; return 1
}
wait_for 's.tab === "Data" && s.data.loaded && s.data.gallery_scroll_max > 0' 60
sleep 0.5
# the layout is the page's: no text cut at 1280x800 (state.layout.cut lists what did not fit)
[ "$(q 's.layout.cut.length')" = 0 ] || { echo "text cut on the Data tab: $(q 's.layout.cut.join("; ")')"; exit 1; }

# 1. the wheel over the gallery (the lower right of the window)
xdotool mousemove 860 640
sleep 0.4
xdotool click 5
wait_for 's.data.gallery_scroll > 0' 5
down="$(q s.data.gallery_scroll)"
[ "$(q 's.data.gallery_scroll >= 20 && s.data.gallery_scroll <= 200')" = true ] || { echo "one notch down scrolled $down px"; exit 1; }
xdotool click 4
wait_for 's.data.gallery_scroll === 0' 5

# 2. a click on a tab without a hover first (the pointer jumps there and presses at once)
read -r x y < <(q '(() => { const r = s.layout.tabs[2]; return Math.round(r[0] + r[2] / 2) + " " + Math.round(r[1] + r[3] / 2); })()')
xdotool mousemove "$x" "$y" click 1
wait_for 's.tab === "Features"' 5

# 3. the keyboard: Ctrl+O, type a path, Enter
sent="$(q s.frames)"
xdotool key ctrl+o
wait_for 's.tab === "Classify"' 10 "$sent"
sleep 0.3
xdotool type --delay 5 "$image"
xdotool key Return
wait_for 's.classify.count === 1 && s.classify.items[0].probs.length === 8' 10
sleep 0.3
[ "$(q 's.layout.cut.length')" = 0 ] || { echo "text cut on the Classify tab: $(q 's.layout.cut.join("; ")')"; exit 1; }
echo "wheel: one notch down scrolled the gallery $down px, one up back to 0; a click without a hover opened Features; Ctrl+O, a typed path and Enter classified $(q s.classify.items[0].name) as $(q s.classify.items[0].class)"
