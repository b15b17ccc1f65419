// Browser end-to-end test of the bloodcell web app: Debian's chromium through playwright-core,
// headless, WebGL2 on SwiftShader (flags from DESIGN.md). The page's state is read through the app's
// JSON hook (window.bloodcell.state()), not from pixels; screenshots go to tests/e2e/screenshots/.
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node app.test.js   (tests/e2e/run.sh sets it up)
// Prints one line per check and closes with "N passed, N failed"; exits non-zero on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { chromium } = require('playwright-core');
const { CHROMIUM, SHOTS, ARGS, check, assert, sleep, finish, writeNpz, crc32, keepChoosersIntercepted } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const PBC = process.env.PBC_SAMPLES || path.resolve(__dirname, '../../../shared/data/pbc_samples');
const SHORT = { BA: 'basophil', EO: 'eosinophil', ERB: 'erythroblast', IG: 'immature granulocyte', LY: 'lymphocyte',
                MO: 'monocyte', NEU: 'neutrophil', PLT: 'platelet' };


// A PNG of w x h solid color, made with zlib (no image library needed).
function png(w, h, rgb = [200, 120, 160]) {
  const crcTable = new Uint32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.alloc(1 + 3 * w);
  for (let x = 0; x < w; x++) row.set(rgb, 1 + 3 * x);
  const raw = Buffer.alloc(row.length * h);
  for (let y = 0; y < h; y++) row.copy(raw, y * row.length);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
                        chunk('IDAT', zlib.deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

// A PNG whose header claims w x h pixels but holds one row of data: the decoder must refuse it from
// the header alone, before allocating w*h*3 bytes.
function pngClaiming(w, h) {
  const b = Buffer.from(png(1, 1));
  b.writeUInt32BE(w, 16); b.writeUInt32BE(h, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);  // IHDR type + data, so only the size is wrong
  return b;
}
// A valid .npz (stored zip) of one uint8 array `x`: not BloodMNIST.
const otherNpz = () => writeNpz({ x: { shape: [4], data: [1, 2, 3, 4] } });

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (/^\d\d-.*\.png$/.test(f)) fs.rmSync(path.join(SHOTS, f));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
  // a fresh profile per run (--user-data-dir, passed the way playwright wants it)
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    acceptDownloads: true,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ARGS,
  });
  const page = browser.pages()[0] || await browser.newPage();
  keepChoosersIntercepted(page);
  const consoleErrors = [], outside = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push('page error: ' + e.message));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'data:' || u.protocol === 'blob:') return;
    if (u.hostname !== '127.0.0.1') outside.push(r.url());
  });
  const state = () => page.evaluate(() => window.bloodcell.state());
  const command = (c) => page.evaluate((c) => window.bloodcell.command(c), c);
  const frames = async (n) => { const f0 = (await state()).frames; for (let i = 0; i < 200; i++) { await sleep(50); if ((await state()).frames >= f0 + n) return; } };
  const shot = async (name) => { await frames(3); await page.screenshot({ path: path.join(SHOTS, name + '.png') }); };
  // bytes travel as base64 (a JSON array of a megabyte is slow)
  const openBytes = (name, buf, purpose) => page.evaluate(([n, b64, p]) => {
    const bin = atob(b64);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    window.bloodcell.openBytes(n, u, p);
  }, [name, Buffer.from(buf).toString('base64'), purpose]);

  try {
    await check('page loads and the app starts', async () => {
      await page.goto(URL_, { waitUntil: 'load' });
      await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
      // the teaching set and the pretrained models come after the app (served in assets/ next to the page)
      await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 60000 });
      await frames(5);
      const s = await state();
      assert(s.assets.failed.length === 0, 'assets failed: ' + s.assets.failed);
      assert(/^web\b/.test(s.platform), 'platform ' + s.platform);
      assert(s.shaders === true, 'heatmap shaders are not ready (see the Log tab)');
      await shot('01-classify-welcome');
    });

    await check('the teaching set is loaded and shown by class', async () => {
      const s = await state();
      assert(s.data.loaded, 'no data loaded: ' + s.data.error);
      assert(s.data.source === 'teaching set (assets/teaching.npz)', 'source: ' + s.data.source);
      // assets/README.md: 24% of every class of every split
      assert(s.data.splits.train === 2868 && s.data.splits.val === 410 && s.data.splits.test === 822,
             'teaching set splits: ' + JSON.stringify(s.data.splits));
      assert(s.data.view.per_class.length === 8 && s.data.view.per_class.every((n) => n > 0), 'a class is empty: ' + s.data.view.per_class);
      assert(s.data.view.per_class.reduce((a, b) => a + b, 0) === s.data.view.size, 'class counts do not add up');
      await command('tab:Data');
      await frames(3);
      assert((await state()).tab === 'Data', 'tab did not switch');
      await shot('02-data');
    });

    await check('features of a gallery image', async () => {
      await command('select:0');
      await command('tab:Features');
      await frames(4);
      const s = await state();
      assert(s.features.props.length === 6, 'no GLCM properties: ' + JSON.stringify(s.features));
      assert(s.features.props.every(Number.isFinite), 'non-finite property');
      await sleep(1500);  // distributions are computed a slice per frame
      await shot('03-features');
    });

    await check('train a CNN on a subset of the teaching set in slices: the loss curve moves', async () => {
      // 32 images per class (and 8 per class to validate on) keep the training checks short
      assert(await command('data:subset=per-class=32') === '', 'data:subset refused');
      assert(/cap 32, .*-> 256 images/.test((await state()).log.last), 'subset not logged: ' + (await state()).log.last);
      assert(/^subset: unknown key 'colour'/.test(await command('data:subset=colour=red')), 'a bad subset is refused');
      assert(await command('train:model=cnn') === '', 'cannot select cnn');
      await command('train:epochs=2');
      await command('tab:Train');
      assert(await command('train:start') === '', 'train:start failed');
      let s;
      for (let i = 0; i < 600; i++) {
        s = await state();
        if (s.train.run && s.train.run.step >= 6) break;
        await sleep(100);
      }
      assert(s.train.run && s.train.run.step >= 6, 'training made no progress: ' + JSON.stringify(s.train.run));
      const losses = s.train.run.losses;
      assert(losses.every(Number.isFinite), 'non-finite loss');
      assert(Math.max(...losses) - Math.min(...losses) > 1e-3, 'loss curve is flat: ' + losses);
      // the page stays responsive while training: frames keep coming
      const f0 = s.frames;
      await sleep(1000);
      s = await state();
      assert(s.frames - f0 >= 5, 'only ' + (s.frames - f0) + ' frames in 1 s while training');
      await shot('04-train-running');
      for (let i = 0; i < 1200 && !(s.train.run && s.train.run.done); i++) { await sleep(100); s = await state(); }
      assert(s.train.run.done && !s.train.run.error, 'training did not finish: ' + JSON.stringify(s.train.run));
      assert(s.train.model_ready, 'no model after training');
      assert(s.train.run.val_acc.length === 2, 'want 2 epochs of validation: ' + s.train.run.val_acc);
      // wall-clock time: at least the compute time inside the slices (frames are drawn between them)
      assert(s.train.run.wall_seconds >= s.train.run.seconds && s.train.run.wall_left === 0, 'wall clock: ' + JSON.stringify(s.train.run));
      await shot('05-train-done');
    });

    await check('Quick demo: one command trains vgg6 w=8 on the whole teaching set; Pause stops the wall clock', async () => {
      await command('train:reset');
      assert(await command('train:demo') === '', 'train:demo refused');
      let s = await state();
      assert(s.train.running && s.train.run, 'the demo did not start: ' + JSON.stringify(s.train));
      assert(s.train.run.settings === 'vgg6 w=8, 8 epochs, batch 32, lr 0.004 cosine, Adam, augmented', 'demo settings: ' + s.train.run.settings);
      assert(/^Training vgg6 on 2868 images, validating on 410 /.test(s.log.last), 'not on the whole teaching set: ' + s.log.last);
      assert(/already|running/.test(await command('train:demo')), 'a second demo while one runs should be refused');
      for (let i = 0; i < 300 && s.train.run.step < 3; i++) { await sleep(100); s = await state(); }
      assert(s.train.run.step >= 3, 'the demo made no progress: ' + JSON.stringify(s.train.run));
      await command('train:pause');
      const w0 = (await state()).train.run.wall_seconds;
      await sleep(600);
      s = await state();
      assert(s.train.run.wall_seconds === w0 && w0 > 0, `the wall clock ran on while paused: ${w0} -> ${s.train.run.wall_seconds}`);
      assert(s.train.run.wall_left > 0, 'no time left estimate: ' + s.train.run.wall_left);
      await command('train:reset');
      assert(await command('data:subset=per-class=32') === '', 'data:subset refused');
      assert(await command('train:model=cnn') === '', 'cannot select cnn');
    });

    await check('a learning rate of 10 diverges: the page says so, keeps the last good weights and resumes lower', async () => {
      await command('train:reset');
      assert(await command('train:model=fcnn') === '', 'cannot select fcnn');
      assert(await command('train:lr=10') === '', 'lr 10 refused');
      await command('train:epochs=1');
      assert(await command('train:start') === '', 'train:start failed');
      let s;
      for (let i = 0; i < 300; i++) {
        s = await state();
        if (s.train.run && s.train.run.diverged) break;
        await sleep(100);
      }
      const r = s.train.run;
      assert(r && r.diverged, 'no divergence reported: ' + JSON.stringify(r));
      assert(!s.train.running, 'still running after the divergence');
      // (the page's default schedule is cosine, so the rate in the message is just under 10)
      assert(/^training diverged in epoch 1, batch \d+: .*\(learning rate \d\.\d+\)\. The last good weights are kept/.test(r.diverged_message), r.diverged_message);
      assert(r.losses.every(Number.isFinite), 'a non-finite loss was recorded: ' + r.losses);
      assert(/pick a lower learning rate/.test(await command('train:start')), 'start should ask for a lower rate');
      await shot('05b-train-diverged');
      assert(await command('train:resume=0.0001') === '', 'resume refused');
      for (let i = 0; i < 1200 && !(s.train.run && s.train.run.done); i++) { await sleep(100); s = await state(); }
      assert(s.train.run.done && !s.train.run.error, 'resumed run did not finish: ' + JSON.stringify(s.train.run));
      assert(!s.train.run.diverged && s.train.run.divergences === 1, JSON.stringify(s.train.run));
      assert(s.train.run.val_acc.every(Number.isFinite), 'val ACC not finite: ' + s.train.run.val_acc);
      await command('train:lr=0.001');
      await command('train:model=cnn');
    });

    await check('finished runs are kept with their settings and overlaid, against epochs or wall time', async () => {
      // the CNN run (#1) and the resumed fcnn run (#3) finished; the Quick demo (#2) was reset
      let s = await state();
      const runs = s.train.runs;
      assert(runs.length === 2, 'want 2 finished runs: ' + JSON.stringify(runs));
      // each legend is the run's card in one line (full precision, seed and subset) and carries its link
      assert(/^#1 cnn, 2 epochs, batch 64, lr 0\.001 cosine, Adam, augmented, seed 0; .*train split/.test(runs[0].label), 'legend: ' + runs[0].label);
      // (run #3 diverged at lr 10 and was resumed at 0.0001: its legend names both rates; its link starts at the first)
      assert(/^#3 fcnn, 1 epochs, batch 64, lr 10 then 0\.0001 cosine, Adam, no augmentation, seed 0; /.test(runs[1].label), 'legend: ' + runs[1].label);
      assert(/^v=1&model=fcnn&epochs=1&batch=64&lr=10&/.test(runs[1].link), 'link: ' + runs[1].link);
      assert(/^v=1&model=cnn&epochs=2&batch=64&lr=0\.001&/.test(runs[0].link), 'link: ' + runs[0].link);
      assert(runs[0].val_acc.length === 2 && runs[0].wall.length === 2 && runs[0].wall[0] > 0 && runs[0].wall[1] > runs[0].wall[0],
             'epoch wall times: ' + JSON.stringify(runs[0]));
      await command('tab:Train');
      assert(await command('train:x=wall') === '', 'train:x=wall refused');
      assert(/^want epochs or wall/.test(await command('train:x=hours')), 'a bad x axis should be refused');
      await shot('05c-train-runs-overlaid-wall');
      await command('train:x=epochs');
    });

    await check('compare models on the test split', async () => {
      await command('tab:Compare');
      let s;
      for (let i = 0; i < 600; i++) {
        s = await state();
        if (s.train.models.length > 0 && s.train.models.every((m) => m.evaluated)) break;
        await sleep(100);
      }
      assert(s.train.models.length > 0 && s.train.models.every((m) => m.evaluated), 'models not evaluated: ' + JSON.stringify(s.train.models));
      assert(s.train.models.every((m) => m.acc >= 0 && m.acc <= 1), 'accuracy out of range');
      // the shipped model on the teaching set's 822 test images, as the CLI computes it:
      //   build/bloodcell eval --model assets/vgg6_w32.bcm --data assets/teaching.npz --split test
      //   -> ACC 0.982968 (808 of 822), AUC 0.999581
      const w32 = s.train.models.find((m) => m.label === 'vgg6_w32 (pretrained)');
      assert(w32, 'no vgg6_w32 (pretrained) row: ' + s.train.models.map((m) => m.label));
      assert(Math.abs(w32.acc - 0.982968) < 1e-3 && Math.abs(w32.auc - 0.999581) < 1e-3,
             `vgg6_w32 on the teaching set's test split: ACC ${w32.acc}, AUC ${w32.auc}; the CLI says 0.982968, 0.999581`);
      await shot('06-compare');
    });

    await check('tune: a small grid of trials runs in the page and keeps the best', async () => {
      await command('tune:epochs=1');
      const n0 = (await state()).train.models.length;
      assert(await command('tune:start') === '', 'tune:start failed');
      let s;
      for (let i = 0; i < 1800; i++) { s = await state(); if (!s.train.tune_running) break; await sleep(100); }
      assert(!s.train.tune_running, 'tuning did not finish');
      assert(s.train.trials >= 2 && s.train.trials_done === s.train.trials, `trials ${s.train.trials_done}/${s.train.trials}`);
      assert(s.train.models.length === n0 + 1, 'the best trial was not added to the models');
      await shot('06b-tune');
    });

    await check('classify images picked with the file chooser', async () => {
      // one image of each class from ../shared/data/pbc_samples (labels.csv gives the BloodMNIST class)
      const rows = fs.readFileSync(path.join(PBC, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const picks = [];
      for (let k = 0; k < 8; k++) { const r = rows.find((r) => Number(r[1]) === k); if (r) picks.push(r); }
      assert(picks.length === 8, 'labels.csv lacks a class');
      const CLASSES = ['basophil', 'eosinophil', 'erythroblast', 'immature granulocyte', 'lymphocyte', 'monocyte', 'neutrophil', 'platelet'];
      const s0 = await state();
      const pre = s0.train.models.findIndex((m) => /pretrained/.test(m.label));
      if (pre >= 0) assert(await command('model:use=' + pre) === '', 'cannot use the pretrained model');
      const before = s0.classify.count;
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.evaluate(() => window.bloodcell.pickFiles('image/*', true, 'images')),
      ]);
      await chooser.setFiles(picks.map((r) => path.join(PBC, r[0])));
      let s;
      for (let i = 0; i < 200; i++) { s = await state(); if (s.classify.count >= before + 8) break; await sleep(100); }
      assert(s.classify.count === before + 8, 'classified ' + (s.classify.count - before) + ' of 8: ' + s.classify.error);
      await command('tab:Classify');
      await shot('07-classify');
      const pretrained = pre >= 0;
      const items = s.classify.items.slice(before);
      const got = items.map((it) => ({ name: it.name, class: it.class, want: CLASSES[Number(picks.find((r) => r[0] === it.name)[1])] }));
      assert(items.every((it) => it.width > 28 && it.probs.length === 8), 'missing probabilities');
      if (!pretrained) {
        console.log('     (no pretrained model in assets/: predictions come from the model trained above, accuracy not checked)');
        return;
      }
      assert(/pretrained/.test(s.train.active), 'Classify does not use the pretrained model: ' + s.train.active);
      const right = got.filter((g) => g.class === g.want).length;
      console.log('     ' + got.map((g) => `${g.name}: ${g.class}${g.class === g.want ? '' : ' (want ' + g.want + ')'}`).join(', '));
      assert(right >= 6, `only ${right} of 8 classified correctly`);
    });

    await check('the predictions table downloads as CSV; a trained model saves and loads back', async () => {
      const [csv] = await Promise.all([page.waitForEvent('download'), command('classify:csv')]);
      const text = fs.readFileSync(await csv.path(), 'utf8');
      const lines = text.trim().split('\n');
      assert(/^file,width,height,predicted,confidence,p_basophil/.test(lines[0]), 'header: ' + lines[0]);
      assert(lines.length === 1 + (await state()).classify.count, lines.length + ' lines');
      const s0 = await state();
      const last = s0.train.models.length - 1;
      const [dl] = await Promise.all([page.waitForEvent('download'), command('model:save=' + last)]);
      const bytes = fs.readFileSync(await dl.path());
      assert(bytes.subarray(0, 7).toString('latin1') === 'BCMODEL', 'not a model file');
      await openBytes('saved.bcm', bytes, 'model');
      await frames(2);
      const s1 = await state();
      assert(s1.train.models.length === s0.train.models.length + 1, 'the saved model did not load back: ' + s1.notice);
      const pre = s1.train.models.findIndex((m) => /pretrained/.test(m.label));
      if (pre >= 0) await command('model:use=' + pre);
    });

    await check('bad input keeps the app and its data', async () => {
      const before = await state();
      await openBytes('notes.txt', Buffer.from('this is not a zip file'), 'data');
      await frames(2);
      let s = await state();
      assert(s.data.loaded && s.data.view.size === before.data.view.size, 'data changed after a bad .npz');
      assert(/not an \.npz/.test(s.notice), 'no clear message: ' + s.notice);
      const errs0 = s.log.errors;
      const good = png(64, 64);
      await openBytes('truncated.png', good.subarray(0, 60), '');
      await frames(2);
      s = await state();
      assert(s.classify.count === before.classify.count, 'a truncated image was added');
      assert(s.log.errors > errs0 && s.classify.error.length > 0, 'no error for a truncated image');
      // 8000x8000 = 64 Mpixel: over the 40 Mpixel limit, refused with its own message (the error
      // field still holds the truncated image's, so the check is on the text)
      await openBytes('huge.png', png(8000, 8000), '');
      await frames(2);
      s = await state();
      const hugeMsg = 'huge.png: image is 8000x8000, larger than the 16384 px per side / 40 Mpixel allowed';
      assert(s.classify.count === before.classify.count, 'the 8000x8000 image was added');
      assert(s.classify.error === hugeMsg, 'classify error: ' + s.classify.error);
      assert(s.notice === hugeMsg + '. Crop or scale the image to the cell first. (images already shown are kept)', 'notice: ' + s.notice);
      await command('tab:Log');
      await shot('08-log');
    });

    await check('a model file of another version is refused; the model in use is kept', async () => {
      const before = await state();
      const bad = Buffer.concat([Buffer.from('BCMODEL\0', 'latin1'), Buffer.from([99, 0, 0, 0]), Buffer.alloc(64)]);
      await openBytes('old_format.bcm', bad, 'model');
      await frames(2);
      const s = await state();
      assert(/version/i.test(s.notice), 'no clear message: ' + s.notice);
      assert(s.train.active === before.train.active && s.train.models.length === before.train.models.length, 'models changed');
    });

    await check('dropped bad files (not an image, a non-BloodMNIST .npz, a 100000x100000 header): an error each, data and model kept', async () => {
      const before = await state();
      const kept = (s, what) => {
        assert(s.data.loaded && s.data.source === before.data.source && s.data.view.size === before.data.view.size,
               what + ' changed the data: ' + s.data.source);
        assert(s.train.active === before.train.active && s.train.models.length === before.train.models.length, what + ' changed the model');
        assert(s.classify.count === before.classify.count, what + ' was added to the classified images');
      };
      // dropped files carry no purpose: the app goes by content and name
      await openBytes('notes.txt', Buffer.from('minutes of the lab meeting, not a picture'), '');
      await frames(2);
      let s = await state();
      assert(s.notice === 'notes.txt: not an image (unknown format; want PNG or JPG) (images already shown are kept)', 'notice: ' + s.notice);
      kept(s, 'a text file');
      await openBytes('other.npz', otherNpz(), '');
      await frames(2);
      s = await state();
      assert(s.notice === "other.npz: member 'train_images.npy' missing (the archive has: x.npy) (the data already loaded is kept)", 'notice: ' + s.notice);
      assert(s.data.error === "other.npz: member 'train_images.npy' missing (the archive has: x.npy)", 'data error: ' + s.data.error);
      kept(s, 'a non-BloodMNIST .npz');
      await openBytes('huge_header.png', pngClaiming(100000, 100000), '');
      await frames(2);
      s = await state();
      assert(s.notice === 'huge_header.png: image is 100000x100000, larger than the 16384 px per side / 40 Mpixel allowed. ' +
             'Crop or scale the image to the cell first. (images already shown are kept)', 'notice: ' + s.notice);
      kept(s, 'an oversized image');
      // and the page still classifies a good image afterwards
      await openBytes('good.png', png(64, 64), '');
      await frames(2);
      s = await state();
      assert(s.classify.count === before.classify.count + 1 && s.classify.items[s.classify.count - 1].probs.length === 8, 'good image not classified');
    });

    await check("the user's own .npz through the file chooser (full BloodMNIST)", async () => {
      const full = path.resolve(PBC, '..', 'bloodmnist.npz');
      assert(fs.existsSync(full), full + ' not found');
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.evaluate(() => window.bloodcell.pickFiles('.npz', false, 'data')),
      ]);
      await chooser.setFiles(full);
      let s;
      for (let i = 0; i < 300; i++) { s = await state(); if (s.data.source === 'bloodmnist.npz') break; await sleep(100); }
      assert(s.data.source === 'bloodmnist.npz', 'not loaded: ' + s.data.error + ' / ' + s.notice);
      assert(s.data.splits.train === 11959 && s.data.splits.val === 1712 && s.data.splits.test === 3421, 'splits ' + JSON.stringify(s.data.splits));
      await frames(3);
      assert((await state()).tab === 'Data', 'Data tab not shown after loading');
      await page.setViewportSize({ width: 1920, height: 1080 });
      await shot('09-data-full-1920x1080');
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await check('no console errors and no requests outside 127.0.0.1', async () => {
      assert(outside.length === 0, 'requests outside 127.0.0.1: ' + outside.join(', '));
      assert(consoleErrors.length === 0, 'console errors: ' + consoleErrors.join(' | '));
    });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }

  // A fresh browser for one check; `setup(page)` runs before the page is opened (routes).
  async function withPage(setup, fn) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 }, args: ARGS });
    try {
      const p = ctx.pages()[0] || await ctx.newPage();
      await setup(p);
      await p.goto(URL_, { waitUntil: 'load' });
      await p.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
      const st = () => p.evaluate(() => window.bloodcell.state());
      const cmd = (c) => p.evaluate((c) => window.bloodcell.command(c), c);
      const open = (name, buf, purpose) => p.evaluate(([n, b64, pu]) => {
        const bin = atob(b64);
        const u = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
        window.bloodcell.openBytes(n, u, pu);
      }, [name, Buffer.from(buf).toString('base64'), purpose]);
      const waitFrames = async (n) => { const f0 = (await st()).frames; for (let i = 0; i < 200 && (await st()).frames < f0 + n; i++) await sleep(50); };
      await fn(p, st, cmd, open, waitFrames);
    } finally {
      await ctx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const ASSET_DIR = path.resolve(__dirname, '../../assets');

  await check('the first frame is drawn before the teaching set and the model arrive; the app says they are loading, then is fully usable', async () => {
    let release;
    const held = new Promise((r) => { release = r; });
    await withPage(async (p) => {
      await p.route('**/assets/**', async (route) => { await held; await route.continue(); });
    }, async (p, st, cmd, open, waitFrames) => {
      await p.waitForFunction(() => window.bloodcell.firstFrameMs !== null, null, { timeout: 60000 });
      await waitFrames(3);
      let s = await st();
      assert(!s.data.loaded && !s.train.model_ready, 'data or model already there: ' + s.data.source + ' / ' + s.train.active);
      assert(['teaching.npz', 'vgg6_w32.bcm', 'vgg6_w16.bcm'].every((n) => s.assets.pending.includes(n)), 'pending: ' + s.assets.pending);
      assert(s.log.errors === 0, 'errors while loading: ' + s.log.last);
      // an image dropped now waits for the model
      await open('early.png', png(64, 64), '');
      await waitFrames(3);
      s = await st();
      assert(s.classify.count === 1 && s.classify.items[0].probs.length === 0, 'early image: ' + JSON.stringify(s.classify));
      await p.screenshot({ path: path.join(SHOTS, '13-assets-loading-classify.png') });
      await cmd('tab:Data');
      await waitFrames(3);
      await p.screenshot({ path: path.join(SHOTS, '13b-assets-loading-data.png') });
      release();
      await p.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 60000 });
      await waitFrames(3);
      s = await st();
      assert(s.data.loaded && s.data.source === 'teaching set (assets/teaching.npz)', 'teaching set not loaded: ' + s.data.source + ' ' + s.data.error);
      assert(s.train.models.length === 2 && s.train.models.every((m) => /pretrained/.test(m.label)), 'models: ' + JSON.stringify(s.train.models));
      // Classify uses the shipped w=32 model (288,936 parameters), which arrives before w=16
      assert(s.train.models[0].params === 288936 && /pretrained/.test(s.train.active), 'Classify uses ' + s.train.active + ' ' + JSON.stringify(s.train.models));
      assert(s.classify.items[0].probs.length === 8, 'the early image was not classified once the model arrived');
      assert(s.log.errors === 0 && s.assets.failed.length === 0, 'errors: ' + s.log.last + ' ' + s.assets.failed);
      await p.screenshot({ path: path.join(SHOTS, '13c-assets-arrived-data.png') });
    });
  });

  await check('a failed asset download (HTTP 404) shows the error; the user can still open an .npz, a model and images', async () => {
    await withPage(async (p) => {
      await p.route('**/assets/**', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }));
    }, async (p, st, cmd, open, waitFrames) => {
      await p.waitForFunction(() => window.bloodcell.state().assets.failed.length === 3, null, { timeout: 60000 });
      await waitFrames(3);
      let s = await st();
      assert(!s.data.loaded && !s.train.model_ready && s.assets.pending.length === 0, JSON.stringify(s.assets));
      assert(s.assets.failed.every((f) => /HTTP 404/.test(f)), 'failed: ' + s.assets.failed);
      // one notice names all three and what the user can do instead
      assert(/^Could not load assets\/.*\(HTTP 404.*Everything else works: open a BloodMNIST \.npz/.test(s.notice) &&
             ['teaching.npz', 'vgg6_w32.bcm', 'vgg6_w16.bcm'].every((n) => s.notice.includes(n)), 'notice: ' + s.notice);
      assert(s.log.errors === 3, s.log.errors + ' errors in the log');
      await p.screenshot({ path: path.join(SHOTS, '14-assets-failed-classify.png') });
      await cmd('tab:Data');
      await waitFrames(3);
      await p.screenshot({ path: path.join(SHOTS, '14b-assets-failed-data.png') });
      // the user's own files still work
      await open('my_sample.npz', fs.readFileSync(path.join(ASSET_DIR, 'teaching.npz')), 'data');
      await open('cell.png', png(64, 64), '');
      await waitFrames(2);
      s = await st();
      assert(s.data.loaded && s.data.source === 'my_sample.npz', 'own .npz not loaded: ' + s.data.error);
      assert(s.classify.count === 1, 'own image not added');
      await open('my_model.bcm', fs.readFileSync(path.join(ASSET_DIR, 'vgg6_w16.bcm')), 'model');
      await waitFrames(2);
      s = await st();
      assert(s.train.model_ready && s.classify.items[0].probs.length === 8, 'own model: ' + s.train.active + ' ' + JSON.stringify(s.classify.items));
      assert(await cmd('classify:sample') === '', 'classify:sample');
      await waitFrames(2);
      assert((await st()).classify.count === 2, 'sample image not classified');
    });
  });

  await check('a progress bar shows while the app downloads', async () => {
    const profile4 = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile4, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
      args: ARGS,
    });
    try {
      const p4 = ctx.pages()[0] || await ctx.newPage();
      const cdp = await ctx.newCDPSession(p4);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 1 << 20, uploadThroughput: 1 << 20 });
      await p4.goto(URL_, { waitUntil: 'load' });
      // the status can first read "0.0 of ..." with the bar at 0% (the first bytes not yet in): wait for
      // the bar to move, then check it is part-way (CI once read it at exactly 0)
      await p4.waitForFunction(() => /Downloading the app \([0-9.]+ of/.test(document.getElementById('status').textContent) &&
        parseFloat(document.getElementById('progress').style.width) > 0, null, { timeout: 20000 });
      const width = await p4.evaluate(() => parseFloat(document.getElementById('progress').style.width));
      assert(width > 0 && width < 100, 'progress ' + width + '%');
      await p4.screenshot({ path: path.join(SHOTS, '12-loading.png') });
    } finally {
      await ctx.close();
      fs.rmSync(profile4, { recursive: true, force: true });
    }
  });

  await check('without WebGL2 the page shows a plain message', async () => {
    const profile3 = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile3, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
      args: ['--disable-webgl', '--disable-3d-apis', '--no-sandbox', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const p3 = ctx.pages()[0] || await ctx.newPage();
      await p3.goto(URL_, { waitUntil: 'load' });
      await p3.waitForFunction(() => getComputedStyle(document.getElementById('message')).display !== 'none', null, { timeout: 30000 });
      const text = await p3.evaluate(() => document.getElementById('message-text').textContent);
      assert(/WebGL2/.test(text), 'message: ' + text);
      await p3.screenshot({ path: path.join(SHOTS, '11-no-webgl2.png') });
    } finally {
      await ctx.close();
      fs.rmSync(profile3, { recursive: true, force: true });
    }
  });

  await check('high-DPI screen (devicePixelRatio 2): sharp canvas, same layout', async () => {
    const profile2 = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile2, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 2,
      args: ARGS,
    });
    try {
      const p2 = ctx.pages()[0] || await ctx.newPage();
      const errs = [];
      p2.on('console', (m) => { if (m.type() === 'error') errs.push(m.text()); });
      await p2.goto(URL_, { waitUntil: 'load' });
      await p2.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
      const size = await p2.evaluate(() => [document.getElementById('canvas').width, document.getElementById('canvas').height]);
      assert(size[0] === 2560 && size[1] === 1600, 'canvas backing store ' + size + ', want 2560,1600');
      await p2.evaluate(() => window.bloodcell.command('tab:Data'));
      await sleep(1500);
      await p2.screenshot({ path: path.join(SHOTS, '10-data-dpr2.png') });
      assert(errs.length === 0, 'console errors: ' + errs.join(' | '));
    } finally {
      await ctx.close();
      fs.rmSync(profile2, { recursive: true, force: true });
    }
  });
  finish();
}

main().catch((e) => finish(e));
