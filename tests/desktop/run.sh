#!/usr/bin/env bash
# Runs the native desktop app (GLFW + OpenGL 3.3) under Xvfb and saves a screenshot of every panel to
# tests/e2e/screenshots/desktop-*.png (beside the browser's): the same UI as the web page, with files
# given as paths. Builds it with the native preset (build/, CMakePresets.json), as the test command does.
# Checks that each run exits cleanly and writes a plausible PNG; then real input through the X server
# (xdotool): a wheel notch down over the Data gallery scrolls it down by a sensible amount and one up
# scrolls it back; a click on a tab without a hover first opens that tab; Ctrl+O, a typed path and
# Enter classify an image. The app's state is read
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
rm -f "$shots"/.desktop-*.log "$shots"/.desktop-*.json
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
