#!/usr/bin/env bash
# Runs the browser end-to-end tests: builds the web bundle if needed (./build_wasm.sh, incremental),
# serves it on a free 127.0.0.1 port, runs app.test.js, input.test.js, layout.test.js, review.test.js, learner.test.js,
# labelled.test.js, link.test.js, lesson.test.js and threads.test.js in headless
# Debian chromium,
# stops the server.
# Exits non-zero when a test fails. Needs scripts/install_deps.sh --tests (chromium, playwright-core).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/out/web"

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "e2e: playwright-core missing; run scripts/install_deps.sh --tests" >&2
  exit 1
fi
[ "${BLOODCELL_SKIP_BUILD:-0}" = 1 ] || "$root/build_wasm.sh" --out "$out"

log="$(mktemp)"
node "$root/scripts/serve.js" "$out" 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; echo "e2e: server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "e2e: server did not report its address" >&2; exit 1; }
echo "e2e: testing $url" >&2
cd "$here"
status=0
BLOODCELL_URL="$url" node app.test.js || status=1
# real mouse, wheel, touch and keyboard input
BLOODCELL_URL="$url" node input.test.js || status=1
# layout at 800x600, 1280x800, 1920x1080 and a phone; typed learning rate, a new .npz in Compare
BLOODCELL_URL="$url" node layout.test.js || status=1
# Classify as a review: header sort, keyboard relabel, kept across reloads (IndexedDB), the report
BLOODCELL_URL="$url" node review.test.js || status=1
# what the page teaches: the heat map in Classify, the Features plots at chosen levels and distance, the CSV
BLOODCELL_URL="$url" node learner.test.js || status=1
# your labelled images (.zip, folder: score, fine-tune) and a batch of 1,000 images (progress, Cancel)
BLOODCELL_URL="$url" node labelled.test.js || status=1
# a run as a link: the address holds the settings; same loss curve again, the CLI's val ACC; run cards;
# the images behind a confusion cell (needs the native CLI: build/bloodcell or $BLOODCELL_CLI)
BLOODCELL_URL="$url" node link.test.js || status=1
# the README's 10-minute lesson, step by step (its screenshots: screenshots/lesson/; LESSON_SHOTS=../../docs/lesson renews the README's)
BLOODCELL_URL="$url" node lesson.test.js || status=1
# the two builds: threaded with COOP/COEP, one thread without
BLOODCELL_URL="$url" node threads.test.js || status=1
exit "$status"
