// Browser end-to-end test of the page's two WebAssembly builds. Served with COOP/COEP (as
// scripts/serve.js serves it, BLOODCELL_URL) the page is cross-origin isolated and must run the
// threaded build (bloodcell_web_mt) and say so; served without those headers (a plain static server:
// here a proxy in front of BLOODCELL_URL that drops them) it must run the one-thread build. In both,
// a CNN trains a few batches and an image is classified; in the one-thread build, a batch of 8 typed into
// its slider sets off no 'batch too slow' warning and one of 256 does, and its run goes on while the page is
// hidden (emulated). Screenshots: tests/e2e/screenshots/2x-*.png.
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node threads.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { SHOTS, check, assert, sleep, finish, typeIntoSlider, openApp } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';


// A static server in front of URL_ without the cross-origin isolation headers.
function plainProxy() {
  const upstream = new URL(URL_);
  const server = http.createServer((req, res) => {
    const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method }, (r) => {
      const headers = { ...r.headers };
      for (const h of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy']) delete headers[h];
      res.writeHead(r.statusCode, headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    up.end();
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// Opens the page in a fresh profile; checks which build runs, trains a CNN a few batches, classifies.
async function runPage(url, want, shotName) {
  // a fresh profile; the teaching set and the models arrive after the app starts (openApp waits for them)
  const h = await openApp(url);
  try {
    const { page, errors, command, state } = h;
    const info = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, build: window.bloodcell.build,
      firstFrame: window.bloodcell.firstFrameMs, state: window.bloodcell.state() }));
    assert(info.isolated === want.isolated, `crossOriginIsolated is ${info.isolated}`);
    assert(info.build === want.build, `runs the '${info.build}' build, want '${want.build}'`);
    // the status bar shows the platform: "web, 2 threads" or "web, 1 thread"
    assert(want.platform.test(info.state.platform), `status bar says '${info.state.platform}'`);
    // the build is in the log too
    await command('tab:Log');
    await sleep(800);
    await page.screenshot({ path: path.join(SHOTS, shotName + '-log.png') });
    // training runs (its GEMMs split over the threads in the threaded build)
    assert(await command('train:model=cnn') === '', 'cannot select cnn');
    await command('train:epochs=1');
    await command('tab:Train');
    // the slider's place is read from a frame that drew the Train tab with cnn selected
    await h.until((s) => s.tab === 'Train' && s.train.settings.model === 'cnn' && s.layout.items['train.batch'], 5000);
    await h.frames(2);
    const single = want.build === 'single';
    // one thread: batches run inside frames, and the page warns when one takes longer than the frame
    // budget. Batch 8 (typed into its slider) must not set the warning off (it measured the slice).
    if (single) {
      const before = await state();
      await typeIntoSlider(page, before.layout.items['train.batch'], '8');
      const after = await state();
      assert(after.train.settings.batch === 8, `typed 8 into the batch slider at ${JSON.stringify(before.layout.items['train.batch'])} ` +
             `(tab ${before.tab}, frame ${before.frames}): the batch is ${after.train.settings.batch}, the slider now at ` +
             `${JSON.stringify(after.layout.items['train.batch'])} (frame ${after.frames})`);
    }
    assert(await command('train:start') === '', 'train:start failed');
    let s;
    for (let i = 0; i < 600; i++) {
      s = await state();
      if (s.train.run && s.train.run.step >= 4) break;
      await sleep(100);
    }
    assert(s.train.run && s.train.run.step >= 4, 'training made no progress: ' + JSON.stringify(s.train.run));
    assert(s.train.run.losses.every(Number.isFinite), 'non-finite loss');
    if (single) {
      assert(s.train.settings.batch === 8, 'typed batch 8, the batch is ' + s.train.settings.batch);
      assert(!s.layout.items['train.batch_warning'], `batch 8 at ${s.train.run.images_per_second.toFixed(0)} images/s: warned that a batch is too slow`);
    }
    await page.screenshot({ path: path.join(SHOTS, shotName + '-train.png') });
    if (single) {
      // a hidden page gets no display refreshes (emulated: headless Chromium never hides a page): the
      // one-thread build's run must go on in tasks of its own, and the frames resume when shown again
      const before = await page.evaluate(() => {
        window.__raf = window.requestAnimationFrame;
        window.__held = [];
        window.requestAnimationFrame = (cb) => { window.__held.push(cb); return 0; };
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
        const s = window.bloodcell.state();
        return { step: s.train.run.step, frames: s.frames };
      });
      await sleep(1500);
      const hidden = await state();
      await page.evaluate(() => {
        delete document.hidden;
        delete document.visibilityState;
        window.requestAnimationFrame = window.__raf;
        document.dispatchEvent(new Event('visibilitychange'));
        for (const cb of window.__held) window.requestAnimationFrame(cb);
      });
      assert(hidden.frames <= before.frames + 1, `frames went on while hidden (${before.frames} -> ${hidden.frames}): the emulation failed`);
      assert(hidden.train.run.step >= before.step + 20 || !hidden.train.running,
             `hidden for 1.5 s, the run went from step ${before.step} to ${hidden.train.run.step}`);
      await sleep(500);
      assert((await state()).frames > hidden.frames, 'no frames after the page was shown again');
    }
    await command('train:pause');
    if (single) {
      // batch 256 (about a second a batch): the warning shows, whole
      await command('train:reset');
      await command('train:epochs=4');  // (the sample's 256 images are one batch: still running at the screenshot)
      await sleep(300);
      await typeIntoSlider(page, (await state()).layout.items['train.batch'], '256');
      assert(await command('train:start') === '', 'train:start failed');
      for (let i = 0; i < 300 && !(s = await state()).layout.items['train.batch_warning']; i++) await sleep(100);
      assert(s.train.settings.batch === 256 && s.layout.items['train.batch_warning'], 'no warning at batch 256: ' + JSON.stringify(s.train.run));
      assert(s.layout.cut.length === 0, 'cut: ' + s.layout.cut.join('; '));
      await page.screenshot({ path: path.join(SHOTS, shotName + '-train-batch256.png') });
      await command('train:pause');
    }
    await command('tab:Classify');
    await command('classify:sample');
    for (let i = 0; i < 50 && (await state()).classify.count === 0; i++) await sleep(100);
    s = await state();
    assert(s.classify.count > 0 && s.classify.items[0].probs.length === 8, 'no classification');
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, shotName + '-classify.png') });
    assert(errors.length === 0, 'console errors: ' + errors.join(' | '));
    return info;
  } finally {
    await h.close();
  }
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  // the threaded build is optional (build_wasm.sh --no-threads): then both servers give one thread
  const haveMt = await new Promise((ok) => http.request(new URL('bloodcell_web_mt.js', URL_), { method: 'HEAD' },
    (r) => { r.resume(); ok(r.statusCode === 200); }).on('error', () => ok(false)).end());
  await check(`served with COOP/COEP: the page is cross-origin isolated and runs the ${haveMt ? 'threaded' : 'one-thread (no _mt files)'} build`, async () => {
    const info = await runPage(URL_, haveMt ? { isolated: true, build: 'threads', platform: /^web, \d+ threads$/ }
                                            : { isolated: true, build: 'single', platform: /^web, 1 thread$/ }, '21-threads');
    console.log(`     ${info.state.platform}; first frame at ${info.firstFrame.toFixed(0)} ms`);
  });
  const proxy = await plainProxy();
  try {
    await check('served without COOP/COEP (any static server): the one-thread build runs', async () => {
      const info = await runPage(`http://127.0.0.1:${proxy.address().port}/`, { isolated: false, build: 'single', platform: /^web, 1 thread$/ }, '22-single');
      console.log(`     ${info.state.platform}; first frame at ${info.firstFrame.toFixed(0)} ms`);
    });
  } finally {
    proxy.close();
  }
  finish();
}

main().catch((e) => finish(e));
