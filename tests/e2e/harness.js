// What the browser end-to-end tests share: where Chromium and the screenshots are, the flags that
// give headless Chromium WebGL2 on SwiftShader (DESIGN.md), and the check/assert/summary helpers
// that print one line per check and end with "N passed, N failed".
'use strict';
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(__dirname, 'screenshots');
const ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const counts = { passed: 0, failed: 0 };
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    counts.passed++;
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    counts.failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Types `text` into an ImGui slider the way a user does: Ctrl+click on it (real mouse and keyboard
// events), the text, Enter. `rect` is the slider's [x, y, w, h] in CSS pixels (state.layout.items).
async function typeIntoSlider(page, rect, text) {
  assert(rect, 'the slider is not on screen');
  await page.keyboard.down('Control');
  await page.mouse.click(rect[0] + rect[2] / 2, rect[1] + rect[3] / 2);
  await page.keyboard.up('Control');
  await sleep(300);  // a frame or two: the slider becomes a text field
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await sleep(300);
}

// Prints the summary line and exits non-zero when a check failed (or `crash` is given).
function finish(crash) {
  if (crash) console.error('e2e: ' + (crash.stack || crash));
  const failed = counts.failed + (crash ? 1 : 0);
  console.log(`${counts.passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

module.exports = { CHROMIUM, SHOTS, ARGS, check, assert, sleep, finish, typeIntoSlider };
