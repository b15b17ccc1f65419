// What the browser end-to-end tests share: where Chromium and the screenshots are, the flags that
// give headless Chromium WebGL2 on SwiftShader (DESIGN.md), the page opened in a fresh profile with
// helpers to read its state, and the check/assert/summary helpers that print one line per check and
// end with "N passed, N failed".
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

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
  await drawn(page, 2);  // the slider becomes a text field in the frame after the click
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await drawn(page, 2);
}

// Waits until the app has drawn n more frames (at least 300 ms; a fixed 300 ms alone was too short
// once in CI for the page on one thread, and the typed batch was lost).
async function drawn(page, n) {
  const frames = () => page.evaluate(() => window.bloodcell.state().frames);
  const f0 = await frames();
  const t0 = Date.now();
  while ((await frames()) < f0 + n && Date.now() - t0 < 10000) await sleep(25);
  const left = 300 - (Date.now() - t0);
  if (left > 0) await sleep(left);
}

// Scrolls (mouse wheel) until the item named `name` (state.layout.items) is well inside the window:
// below the tab bar and above the status bar, so that no panel's edge clips it; its rect. `topCss`:
// where the panels start (CSS px; an item in a panel's first row sits a little higher).
async function reveal(app, name, topCss = 110) {
  const vh = (await app.page.evaluate(() => window.innerHeight)) * app.dpr;
  const top = topCss * app.dpr, bottom = vh - 55 * app.dpr;
  let r = (await app.state()).layout.items[name];
  for (let i = 0; i < 30 && r && (r[1] + r[3] > bottom || r[1] < top); i++) {
    await app.page.mouse.move((r[0] + 10) / app.dpr, vh / app.dpr / 2);
    await app.page.mouse.wheel(0, r[1] < top ? -150 : 150);
    await app.frames(2);
    r = (await app.state()).layout.items[name];
  }
  assert(r && r[1] >= top && r[1] + r[3] <= bottom, `${name} not in view: ${r}`);
  return r;
}

// Keeps the page's file choosers intercepted (playwright's 'filechooser' events) for its whole life.
// Playwright turns interception on when the first 'filechooser' listener is added and off when the last
// goes, without waiting for the browser: a waitForEvent('filechooser') made just before the click that
// opens a chooser lost the race in ~3 of 10 runs of layout.test.js (the app had called input.click()
// with a user activation 20-40 ms after the click, and no event came; with interception on from the
// start, 10 of 10 passed). Call it before the page loads.
function keepChoosersIntercepted(page) {
  page.on('filechooser', () => {});
}

// The app at `url` in a fresh browser profile (options: viewport, hasTouch, ... of playwright's
// launchPersistentContext; block: a URL pattern whose requests are made to fail), loaded with its
// assets arrived (or failed). Returns helpers: page, errors (console
// errors so far), state(), command(c) (the test hook), frames(n) (waits for n drawn frames),
// until(cond, ms) (waits until cond(state) holds; the last state), dpr, center(rect) (a canvas-pixel
// rectangle's centre in CSS pixels), shot(name) (a screenshot in SHOTS) and close().
async function openApp(url, options = {}) {
  const { chromium } = require('playwright-core');
  const { block, ...launch } = options;  // block: a URL pattern whose requests fail (a missing asset)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 }, args: ARGS, ...launch,
  });
  const close = async () => { await ctx.close(); fs.rmSync(dir, { recursive: true, force: true }); };
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    keepChoosersIntercepted(page);
    if (block) await page.route(block, (r) => r.abort());
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
    await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 60000 });
    const state = () => page.evaluate(() => window.bloodcell.state());
    const h = {
      page, errors, state, close,
      command: (c) => page.evaluate((c) => window.bloodcell.command(c), c),
      frames: async (n) => { const f0 = (await state()).frames; for (let i = 0; i < 400 && (await state()).frames < f0 + n; i++) await sleep(25); },
      until: async (cond, ms = 5000) => { let s; for (let t = 0; t < ms; t += 25) { s = await state(); if (cond(s)) return s; await sleep(25); } return s; },
      dpr: await page.evaluate(() => window.devicePixelRatio),
      center(r) { return { x: (r[0] + r[2] / 2) / h.dpr, y: (r[1] + r[3] / 2) / h.dpr }; },
      shot: async (name) => { await h.frames(2); await page.screenshot({ path: path.join(SHOTS, name + '.png') }); },
    };
    await h.frames(3);
    return h;
  } catch (e) {
    await close();
    throw e;
  }
}

// [.npz files for the tests]
// The members of a .npz (a zip of .npy files, stored or deflated) as {name: {shape, data}} (uint8).
function readNpz(file) {
  const b = fs.readFileSync(file), out = {};
  let eocd = b.length - 22;
  while (b.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let p = b.readUInt32LE(eocd + 16);
  for (let n = b.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = b.readUInt16LE(p + 10), size = b.readUInt32LE(p + 20), nameLen = b.readUInt16LE(p + 28);
    const extra = b.readUInt16LE(p + 30), comment = b.readUInt16LE(p + 32), local = b.readUInt32LE(p + 42);
    const name = b.toString('latin1', p + 46, p + 46 + nameLen);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const raw = b.subarray(start, start + size);
    const npy = method === 8 ? zlib.inflateRawSync(raw) : raw;
    const headLen = npy.readUInt16LE(8), head = npy.toString('latin1', 10, 10 + headLen);
    const shape = head.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((x) => x.trim()).map(Number);
    out[name.replace(/\.npy$/, '')] = { shape, data: npy.subarray(10 + headLen) };
    p += 46 + nameLen + extra + comment;
  }
  return out;
}
// A .npz (stored zip) of uint8 arrays {name: {shape, data}}.
function writeNpz(arrays) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [key, { shape, data }] of Object.entries(arrays)) {
    let head = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    while ((10 + head.length + 1) % 64) head += ' ';
    head += '\n';
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY', 'latin1'), Buffer.from([1, 0, head.length & 255, head.length >> 8]),
                               Buffer.from(head, 'latin1'), Buffer.from(data)]);
    const name = Buffer.from(key + '.npy', 'latin1'), crc = crc32(npy);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(npy.length, 18); local.writeUInt32LE(npy.length, 22); local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(npy.length, 20); central.writeUInt32LE(npy.length, 24);
    central.writeUInt16LE(name.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, name, npy);
    centrals.push(central, name);
    offset += local.length + name.length + npy.length;
  }
  const cd = Buffer.concat(centrals), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(centrals.length / 2, 8); end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
function crc32(buf) {
  let c = 0xffffffff;
  for (const x of buf) { c ^= x; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
  return (c ^ 0xffffffff) >>> 0;
}

// Prints the summary line and exits non-zero when a check failed (or `crash` is given).
function finish(crash) {
  if (crash) console.error('e2e: ' + (crash.stack || crash));
  const failed = counts.failed + (crash ? 1 : 0);
  console.log(`${counts.passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

module.exports = { CHROMIUM, SHOTS, ARGS, check, assert, sleep, finish, typeIntoSlider, reveal, openApp, keepChoosersIntercepted, readNpz, writeNpz, crc32 };
