#!/usr/bin/env bash
# Runs the native desktop app (GLFW + OpenGL 3.3) under Xvfb and saves a screenshot of every panel to
# tests/e2e/screenshots/desktop-*.png (beside the browser's): the same UI as the web page, with files
# given as paths. Builds it with the native preset (build/, CMakePresets.json), as the test command does.
# Checks that each run exits cleanly and writes a plausible PNG; then real input through the X server
# (xdotool): a wheel notch down over the Data gallery scrolls it down by a sensible amount and one up
# scrolls it back; a click on a tab without a hover first opens that tab; Ctrl+O, a typed path and
# Enter classify an image; a review (a relabel) kept in the session file comes back in the next run,
# and a damaged session file is reported and renamed aside. The app's state is read
# from the JSON it keeps in a file (--state). Needs xvfb and xdotool (install_deps.sh --tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shots="$root/tests/e2e/screenshots"
pbc="${PBC_SAMPLES:-$root/../shared/data/pbc_samples}"
build="$root/build"
mkdir -p "$shots"
rm -f "$shots"/desktop-*.png

(cd "$root" && cmake --preset native >/dev/null && cmake --build --preset native --target bloodcell_desktop -j "${JOBS:-2}" >/dev/null)
app="$build/bloodcell_desktop"
# no review session carried from run to run (nor into the user's ~/.local/state) unless a check asks
export BLOODCELL_SESSION=none

passed=0; failed=0
shot() {  # name, then app arguments
  local name="$1"; shift
  local out="$shots/desktop-$name.png"
  if timeout 180 xvfb-run -a -s "-screen 0 1280x800x24" "$app" "$@" --screenshot "$out" 2>"$shots/.desktop-$name.log" &&
     [ -s "$out" ] && [ "$(stat -c %s "$out")" -gt 20000 ]; then
    passed=$((passed + 1)); echo "ok   desktop $name"
  else
    failed=$((failed + 1)); echo "FAIL desktop $name: $(tail -3 "$shots/.desktop-$name.log")"
  fi
}
shot classify --frames 30 "$pbc/LY_872934.jpg" "$pbc/BA_174705.jpg" "$pbc/ERB_643116.jpg"
shot data --tab Data --frames 20
shot features --tab Features --cmd select:9 --frames 40
shot train --tab Train --cmd train:epochs=4 --cmd train:start --frames 240
shot compare --tab Compare --frames 120
shot log --tab Log --frames 20 "$root/README.md"

# Real input: the app runs until killed, with its state in a file; xdotool drives the X server.
input_check() {
  local state="$shots/.desktop-input.json" log="$shots/.desktop-input.log"
  rm -f "$state"
  if timeout 180 xvfb-run -a -s "-screen 0 1280x800x24" bash "$here/input.sh" "$app" "$state" "$pbc/LY_872934.jpg" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok   desktop input: $(tail -1 "$log")"
  else
    failed=$((failed + 1)); echo "FAIL desktop input: $(tail -3 "$log")"
  fi
}
input_check

# The review session in a file: a relabel comes back in the next run; a damaged file is set aside.
session_check() {
  local dir; dir="$(mktemp -d)"
  local run=(timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" "$app" --session "$dir/s.bcr" --state "$dir/state.json" --frames 10)
  q() { node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$dir/state.json" "$1"; }
  local why=""
  "${run[@]}" --cmd review:relabel=5 "$pbc/LY_872934.jpg" 2>/dev/null || why="first run failed"
  [ -z "$why" ] && [ -s "$dir/s.bcr" ] || why="${why:-no session file}"
  [ -z "$why" ] && "${run[@]}" 2>/dev/null || why="${why:-second run failed}"
  [ -z "$why" ] && [ "$(q 's.classify.count === 1 && s.classify.items[0].name === "LY_872934.jpg" && s.classify.items[0].reviewed === 5 && s.classify.session.restored === 1')" = true ] ||
    why="${why:-not restored: $(q 'JSON.stringify(s.classify).slice(0, 300)')}"
  if [ -z "$why" ]; then
    head -c 100 "$dir/s.bcr" >"$dir/cut" && mv "$dir/cut" "$dir/s.bcr"
    "${run[@]}" 2>/dev/null || why="third run failed"
    [ -z "$why" ] && [ "$(q 's.classify.count === 0 && /damaged: checksum mismatch \(100 bytes/.test(s.classify.session.error) && /kept aside as/.test(s.notice)')" = true ] ||
      why="${why:-damaged file: $(q 's.classify.session.error + " | " + s.notice')}"
    ls "$dir"/s.bcr.damaged-* >/dev/null 2>&1 || why="${why:-the damaged file was not set aside}"
  fi
  rm -rf "$dir"
  if [ -z "$why" ]; then passed=$((passed + 1)); echo "ok   desktop review session: kept, restored, a damaged one set aside"
  else failed=$((failed + 1)); echo "FAIL desktop review session: $why"; fi
}
session_check
rm -f "$shots"/.desktop-*.log "$shots"/.desktop-*.json
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
