// A run as a link (issue 11, items 6 and 10), in headless Chromium with real input: the page opened
// with a run's settings in its address sets the Train tab up from them; Start trains the same loss
// curve as the same link in another fresh page; `bloodcell train --settings` (native) reaches the same
// val ACC within 0.005; the address follows the settings as they change; a malformed or out-of-range
// link is reported in the Log with the field named and changes nothing; each finished run carries its
// card (legend, Compare, Copy link); a click on a confusion-matrix cell lists the images behind it,
// and the misclassified validation images are listed beside the matrix with their classes in words;
// nothing is cut at 800x600.
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ [BLOODCELL_CLI=build/bloodcell] node link.test.js
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { check, assert, sleep, finish, openApp, typeIntoSlider, reveal } = require('./harness');

const URL0 = (process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/').replace(/#.*$/, '');
const ROOT = path.resolve(__dirname, '../..');
const CLI = process.env.BLOODCELL_CLI || path.join(ROOT, 'build/bloodcell');
const TEACHING = path.join(ROOT, 'assets/teaching.npz');
// the reference cnn for 2 epochs on a quarter of the teaching set's training images (717), validated
// on its whole val split (411: one image is 0.0024 of ACC): seconds in the page
const CARD = 'v=1&model=cnn&epochs=2&batch=32&lr=0.002&wd=0&optimizer=adam&momentum=0.9&schedule=cosine&augment=1&seed=3&' +
             'patience=0&ema=0&width=16&hidden=0&dropout=0&centered=-1&split=train&per-class=0&fraction=0.25&subset-seed=2';

async function trainToEnd(app, ms = 240000) {
  const t0 = Date.now();
  assert(await app.command('train:start') === '', 'Start refused');
  const s = await app.until((st) => st.train.run && (st.train.run.done || st.train.run.error), ms);
  assert(s.train.run && s.train.run.done, 'the run did not finish: ' + JSON.stringify(s.train.run && s.train.run.status));
  console.log(`     trained in ${((Date.now() - t0) / 1000).toFixed(1)} s (${s.platform})`);
  return s;
}
const hash = (app) => app.page.evaluate(() => decodeURIComponent(location.hash.slice(1)));

(async () => {
  let first = null, run1 = null, trainSize = 0;
  try {
    first = await openApp(URL0 + '#' + CARD);
    const app = first;

    await check('opening the link sets the Train tab and the subset up from it', async () => {
      const s = await app.until((st) => st.tab === 'Train' && st.data.loaded);
      assert(s.tab === 'Train', 'the link should open the Train tab, not ' + s.tab);
      const st = s.train.settings;
      assert(st.model === 'cnn' && st.batch === 32 && st.epochs === 2 && st.seed === 3 && Math.abs(st.lr - 0.002) < 1e-9 && st.augment,
             'settings: ' + JSON.stringify(st));
      assert(s.train.link === CARD, 'the settings as text:\n' + s.train.link + '\nwant\n' + CARD);
      assert(s.data.view.split === 'train' && s.data.view.size > 700 && s.data.view.size < 735, 'subset: ' + JSON.stringify(s.data.view));
      trainSize = s.data.view.size;
      assert(s.log.error_texts.length === 0, 'errors: ' + s.log.error_texts);
      assert(await hash(app) === CARD, 'the address changed: ' + await hash(app));
      await app.shot('link-01-opened');
    });

    await check('Start reproduces the same loss curve from the same link in another page', async () => {
      run1 = (await trainToEnd(app)).train.run;
      assert(run1.link === CARD, 'the run records ' + run1.link);
      assert(run1.loss_count === run1.losses.length && run1.loss_count === 2 * Math.ceil(run1.loss_count / 2), 'batches: ' + run1.loss_count);
      const t0 = Date.now();
      const other = await openApp(URL0 + '#' + CARD);
      console.log(`     a second page opened in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      try {
        const run2 = (await trainToEnd(other)).train.run;
        assert(run2.losses.length === run1.losses.length, `${run2.losses.length} batches vs ${run1.losses.length}`);
        const diff = run1.losses.findIndex((l, i) => l !== run2.losses[i]);
        assert(diff < 0, `loss of batch ${diff + 1}: ${run1.losses[diff]} vs ${run2.losses[diff]}`);
        assert(JSON.stringify(run1.val_acc) === JSON.stringify(run2.val_acc), `val ACC ${run1.val_acc} vs ${run2.val_acc}`);
        console.log(`     ${run1.losses.length} batch losses equal; val ACC per epoch ${run1.val_acc.join(', ')}`);
      } finally {
        await other.close();
      }
    });

    await check('bloodcell train --settings with the same text reaches the same val ACC (within 0.005)', async () => {
      assert(fs.existsSync(CLI), 'no native CLI at ' + CLI + ' (set BLOODCELL_CLI)');
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-link-')), 'm.bcm');
      const json = JSON.parse(execFileSync(CLI, ['train', '--settings', CARD, '--data', TEACHING, '--out', out, '--json', '--quiet', '--threads', '1'],
                                           { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
      assert(json.settings === CARD, 'CLI settings: ' + json.settings);
      const cliLast = json.history[json.history.length - 1].val_acc, pageLast = run1.val_acc[run1.val_acc.length - 1];
      console.log(`     val ACC: page ${run1.val_acc.join(', ')} (best ${run1.best_val_acc}), CLI ${json.history.map((h) => h.val_acc).join(', ')} ` +
                  `(best model on val ${json.val.acc}); ${json.train_images} training images`);
      assert(json.train_images === trainSize, `CLI trained on ${json.train_images} images, the page on ${trainSize}`);
      assert(Math.abs(cliLast - pageLast) <= 0.005, `last epoch: CLI ${cliLast} vs page ${pageLast}`);
      assert(Math.abs(json.val.acc - run1.best_val_acc) <= 0.005, `best: CLI ${json.val.acc} vs page ${run1.best_val_acc}`);
    });

    await check('a confusion-matrix cell (real click) lists the images behind it; the misclassified sit beside the matrix', async () => {
      await app.command('tab:Train');
      let s = await app.until((st) => st.layout.items['train.confusion']);
      const run = s.train.run, n = run.val_n;
      const conf = run.confusion, trace = [0, 1, 2, 3, 4, 5, 6, 7].reduce((a, k) => a + conf[k * 9], 0);
      assert(run.behind.cell === -1 && run.behind.count === n - trace, `misclassified listed: ${run.behind.count}, want ${n - trace}`);
      assert(run.behind.items.every(([, t, p]) => t !== p), 'a right prediction among the misclassified');
      // the off-diagonal cell with the most images
      let best = -1;
      for (let k = 0; k < 64; k++) if (k % 9 !== 0 && conf[k] > 0 && (best < 0 || conf[k] > conf[best])) best = k;
      assert(best >= 0, 'no errors to click on');
      const r = await reveal(app, 'train.confusion');
      const t = Math.floor(best / 8), p = best % 8, cw = r[2] / 8;
      await app.page.mouse.click((r[0] + (p + 0.5) * cw) / app.dpr, (r[1] + (t + 0.5) * cw) / app.dpr);
      s = await app.until((st) => st.train.run.behind.cell === best);
      const b = s.train.run.behind;
      assert(b.cell === best, `clicked cell ${best} (true ${t}, predicted ${p}); the list shows cell ${b.cell}`);
      assert(b.count === conf[best], `${b.count} images listed, the cell counts ${conf[best]}`);
      assert(b.items.every(([, tt, pp]) => tt === t && pp === p), 'an image of another cell: ' + JSON.stringify(b.items));
      await app.shot('link-02-confusion-cell');
      await app.page.mouse.click((r[0] + (p + 0.5) * cw) / app.dpr, (r[1] + (t + 0.5) * cw) / app.dpr);  // again: back to the errors
      s = await app.until((st) => st.train.run.behind.cell === -1);
      assert(s.train.run.behind.cell === -1, 'a second click should go back to the misclassified');
    });

    await check('the address follows the settings as they change (typed learning rate, batch)', async () => {
      const r = await reveal(app, 'train.lr');
      await typeIntoSlider(app.page, r.map((v) => v / app.dpr), '0.0005');
      await sleep(600);
      await app.frames(2);
      let h = await hash(app);
      assert(/&lr=0\.0005&/.test(h), 'the address after typing the rate: ' + h);
      assert(await app.command('train:batch=48') === '', 'batch refused');
      await app.frames(3);
      await sleep(400);
      await app.frames(2);
      h = await hash(app);
      assert(/&batch=48&/.test(h) && (await app.state()).train.link === h, 'the address after the batch: ' + h);
    });

    await check('a malformed or out-of-range link is reported in the Log, the field named, and changes nothing', async () => {
      const before = (await app.state()).train.link;
      await app.page.evaluate(() => { location.hash = '#v=1&model=cnn&batch=0'; });
      let s = await app.until((st) => st.log.error_texts.some((e) => /batch '0'/.test(e)));
      const err = s.log.error_texts[s.log.error_texts.length - 1];
      assert(/^Settings link not used: batch '0': want 1\.\.4096\. The settings stay as they were\.$/.test(err), 'Log: ' + err);
      assert(s.train.link === before, 'the settings changed: ' + s.train.link);
      await sleep(500);
      await app.frames(2);
      assert(await hash(app) === before, 'the address should show the kept settings again: ' + await hash(app));
      assert(/fraction 'x': want a number in \(0,1\]/.test(await app.command('link:model=cnn&fraction=x')), 'fraction x accepted');
      assert(/unknown field 'colour'/.test(await app.command('link:model=cnn&colour=red')), 'an unknown field accepted');
    });

    await check('each finished run carries its card: legend, Compare, Copy link (real click)', async () => {
      let s = await app.state();
      const r = s.train.runs.find((x) => x.link === CARD);
      assert(r && /^#1 cnn, 2 epochs, batch 32, lr 0\.002 cosine, Adam, augmented, seed 3; train split, 25% of each class, subset seed 2$/.test(r.label),
             'legend: ' + JSON.stringify(s.train.runs.map((x) => x.label)));
      const mi = s.train.models.findIndex((x) => x.link === CARD), m = s.train.models[mi];
      assert(m, 'no model with the run card in Compare: ' + JSON.stringify(s.train.models.map((x) => [x.label, x.link])));
      const c = app.center(await reveal(app, 'train.copy_link'));
      await app.page.mouse.click(c.x, c.y);
      s = await app.until((st) => st.train.copied === st.train.link);
      assert(s.train.copied === s.train.link, 'copied: ' + s.train.copied);
      const url = await app.page.evaluate(() => window.bloodcell.copied);
      assert(url === URL0 + '#' + s.train.link, 'the copied link: ' + url);
      await app.command('tab:Compare');
      assert(await app.command('model:select=' + mi) === '', 'model:select refused');
      await app.frames(3);
      await reveal(app, 'card.copy');
      await app.shot('link-03-compare-card');
    });

    await check('nothing is cut at 800x600 (Train with the images behind a cell, Compare with a card)', async () => {
      await app.page.setViewportSize({ width: 800, height: 600 });
      await app.command('tab:Train');
      await app.command('train:cell=' + 9 * 4);
      await app.frames(4);
      let s = await app.state();
      assert(s.layout.cut.length === 0, 'cut on Train: ' + s.layout.cut.join('; '));
      await reveal(app, 'train.confusion');
      await app.page.mouse.wheel(0, 300);  // on to the images under the matrix
      await app.frames(3);
      s = await app.state();
      assert(s.layout.cut.length === 0, 'cut on Train: ' + s.layout.cut.join('; '));
      await app.shot('link-04-train-800');
      await app.command('tab:Compare');
      await app.frames(4);
      await reveal(app, 'compare.card');
      s = await app.state();
      assert(s.layout.cut.length === 0, 'cut on Compare: ' + s.layout.cut.join('; '));
      await app.shot('link-05-compare-800');
      await app.page.setViewportSize({ width: 1280, height: 800 });
    });

    await check('a link with a bad field at start: the Log names it and the page keeps its defaults', async () => {
      const bad = await openApp(URL0 + '#v=1&model=vgg6&lr=fast');
      try {
        const s = await bad.until((st) => st.data.loaded);
        assert(s.log.error_texts.some((e) => e === "Settings link not used: lr 'fast': want a number. The settings stay as they were."),
               'Log: ' + s.log.error_texts);
        assert(s.train.settings.model === 'cnn' && s.train.settings.batch === 64 && Math.abs(s.train.settings.lr - 0.001) < 1e-9,
               'the defaults changed: ' + JSON.stringify(s.train.settings));
        await sleep(500);
        await bad.frames(2);
        assert(await hash(bad) === s.train.link, 'the address should hold the defaults: ' + await hash(bad));
        assert(bad.errors.length === 0, 'console errors: ' + bad.errors.join('; '));
      } finally {
        await bad.close();
      }
    });
    await check('no console errors', async () => assert(app.errors.length === 0, 'console errors: ' + app.errors.join('; ')));
  } catch (e) {
    if (first) await first.close();
    finish(e);
    return;
  }
  await first.close();
  finish();
})();
