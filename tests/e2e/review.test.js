// The Classify tab as a review tool (issue 12 items 3-5, issue 15 item 8), with real input: a click on
// a column header (no hover first) sorts the table, the keyboard relabels and accepts rows, a dragged
// crop square classifies the image again, the review comes back after a reload (IndexedDB), a damaged
// saved session is reported and set aside, and the report downloads. Effects are read from the app's
// state (window.bloodcell.state()).
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node review.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { CHROMIUM, SHOTS, ARGS, check, assert, sleep, finish } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const PBC = process.env.PBC_SAMPLES || path.resolve(__dirname, '../../../shared/data/pbc_samples');
const COLUMNS = ['order', 'file', 'size', 'predicted', 'confidence', 'review'];

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  // one profile for the whole file: the reloads must find what the page kept in IndexedDB
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bloodcell-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 }, args: ARGS, acceptDownloads: true,
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  const state = () => page.evaluate(() => window.bloodcell.state());
  const until = async (cond, ms = 8000) => { let s; for (let t = 0; t < ms; t += 50) { s = await state(); if (cond(s)) return s; await sleep(50); } return s; };
  const dpr = () => page.evaluate(() => window.devicePixelRatio);
  const load = async () => {
    await page.waitForFunction(() => window.bloodcell && window.bloodcell.running && window.bloodcell.session.restored, null, { timeout: 120000 });
    await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 60000 });
  };
  // the review is kept: the app stored its latest revision and IndexedDB finished writing it
  const kept = async () => {
    await until((s) => s.classify.session.stored_revision === s.classify.session.revision);
    await page.waitForFunction(() => window.bloodcell.session.pending === 0 && window.bloodcell.session.stored > 0, null, { timeout: 10000 });
  };
  const order = (s) => s.classify.view.map((i) => s.classify.items[i].confidence);

  try {
    await check('a click on the confidence header sorts the rows by confidence; a second click reverses them', async () => {
      await page.goto(URL_, { waitUntil: 'load' });
      await load();
      // one image each of lymphocyte, basophil, neutrophil, monocyte (labels.csv)
      const rows = fs.readFileSync(path.join(PBC, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const picks = [4, 0, 6, 5].map((k) => rows.filter((r) => Number(r[1]) === k)[1][0]);
      for (const f of picks) {
        const b64 = fs.readFileSync(path.join(PBC, f)).toString('base64');
        await page.evaluate(([n, b]) => window.bloodcell.openBytes(n, Uint8Array.from(atob(b), (c) => c.charCodeAt(0)), 'images'), [f, b64]);
      }
      let s = await until((s) => s.classify.count === 4 && s.classify.items.every((it) => it.probs.length === 8) && s.layout.review_headers[4][2] > 0);
      assert(s.classify.count === 4, 'classified ' + s.classify.count + ' of 4: ' + s.classify.error);
      assert(s.classify.sort === 'order' && s.classify.view.join() === '3,2,1,0', 'not newest first: ' + s.classify.sort + ' ' + s.classify.view);
      const conf = s.classify.items.map((it) => it.confidence);
      assert(new Set(conf).size === 4, 'confidences tie, the order would prove nothing: ' + conf);
      const r = s.layout.review_headers[COLUMNS.indexOf('confidence')], k = await dpr();
      await page.mouse.click((r[0] + r[2] / 2) / k, (r[1] + r[3] / 2) / k);  // one jump and the press, no hover
      s = await until((s) => s.classify.sort === 'confidence');
      assert(s.classify.sort === 'confidence', 'the header click did not sort: ' + s.classify.sort);
      const first = order(s), dir = s.classify.descending;
      const sorted = [...first].sort((a, b) => dir ? b - a : a - b);
      assert(first.join() === sorted.join(), `rows not by confidence (${dir ? 'descending' : 'ascending'}): ${first}`);
      await page.mouse.click((r[0] + r[2] / 2) / k, (r[1] + r[3] / 2) / k);
      s = await until((s) => s.classify.descending !== dir);
      assert(s.classify.descending !== dir && order(s).join() === [...first].reverse().join(), 'a second click did not reverse: ' + order(s));
      console.log(`     by confidence: ${first.map((c) => c.toFixed(4)).join(', ')} then reversed`);
      await page.screenshot({ path: path.join(SHOTS, '30-review-sorted.png') });
    });

    await check('keyboard review: 3 relabels the selected row as an erythroblast, Down then Enter accepts the next', async () => {
      let s = await state();
      if (s.classify.view.indexOf(s.classify.selected) === s.classify.view.length - 1) {  // the last row: one up first
        await page.keyboard.press('ArrowUp');
        s = await until((s) => s.classify.view.indexOf(s.classify.selected) === s.classify.view.length - 2);
      }
      const sel = s.classify.selected, pos = s.classify.view.indexOf(sel);
      assert(sel >= 0 && s.classify.items[sel].top !== 2, 'selected row ' + sel + ' is already an erythroblast');
      await page.keyboard.press('3');
      s = await until((s) => s.classify.items[sel].reviewed === 2);
      assert(s.classify.items[sel].reviewed === 2 && s.classify.items[sel].relabelled, 'not relabelled: ' + JSON.stringify(s.classify.items[sel]));
      // relabelling moved to the next row of the table; Up goes back, Down forward, Enter accepts
      const next = s.classify.view[pos + 1];
      assert(s.classify.selected === next, `after the relabel the selection is ${s.classify.selected}, want the next row ${next}`);
      await page.keyboard.press('ArrowUp');
      s = await until((s) => s.classify.selected === sel);
      assert(s.classify.selected === sel, 'Up did not go back to row ' + sel);
      await page.keyboard.press('ArrowDown');
      s = await until((s) => s.classify.selected === next);
      await page.keyboard.press('Enter');
      s = await until((s) => s.classify.items[next].reviewed >= 0);
      assert(s.classify.items[next].reviewed === s.classify.items[next].top && !s.classify.items[next].relabelled,
             'Enter did not accept row ' + next + ': ' + JSON.stringify(s.classify.items[next]));
      const d = s.classify.differential;
      assert(d.reviewed === 2 && d.relabelled === 1 && d.counts[2][2] === 1 + d.counts[0][2], 'differential: ' + JSON.stringify(d));
      await page.screenshot({ path: path.join(SHOTS, '31-review-keyboard.png') });
    });

    await check('dragging the crop square on the original classifies the image again from the new crop', async () => {
      let s = await state();
      const sel = s.classify.selected, it = s.classify.items[sel], r = s.layout.original, k = await dpr();
      assert(r[2] > 0 && it.width > 28, 'no original shown: ' + JSON.stringify(r));
      const scale = r[2] / it.width;  // canvas pixels per image pixel
      const [x0, y0, side] = it.crop;
      const cx = (r[0] + (x0 + side / 2) * scale) / k, cy = (r[1] + (y0 + side / 2) * scale) / k;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + 30, cy + 20, { steps: 6 });
      await page.mouse.up();
      s = await until((s) => s.classify.items[sel].crop[0] !== x0);
      const moved = s.classify.items[sel];
      const dx = moved.crop[0] - x0, dy = moved.crop[1] - y0, want = (30 * k) / scale;
      assert(Math.abs(dx - want) <= 2 && dy > 0 && moved.crop[2] === side, `crop moved by ${dx},${dy} image px (want ~${want.toFixed(1)}, >0)`);
      assert(moved.probs.join() !== it.probs.join(), 'the probabilities did not change with the crop');
      assert(moved.reviewed === it.reviewed, 'the review of the row changed with its crop');
      console.log(`     crop (${x0}, ${y0}) -> (${moved.crop[0]}, ${moved.crop[1]}): ${it.class} ${it.confidence.toFixed(3)} -> ${moved.class} ${moved.confidence.toFixed(3)}`);
    });

    await check('the report downloads with the counts and thumbnails', async () => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.evaluate(() => window.bloodcell.command('classify:report'))]);
      const html = fs.readFileSync(await dl.path(), 'utf8');
      assert(dl.suggestedFilename() === 'bloodcell_report.html', 'file ' + dl.suggestedFilename());
      assert(/4 images, 4 classified, \d+ unsure, 2 reviewed, 1 relabelled/.test(html), 'no counts in the report');
      assert((html.match(/data:image\/png;base64,/g) || []).length >= 2, 'no thumbnails in the report');
      // it prints on one A4 page
      const doc = await ctx.newPage();
      await doc.setContent(html, { waitUntil: 'load' });
      await doc.screenshot({ path: path.join(SHOTS, '33-review-report.png'), fullPage: true });
      const pdf = (await doc.pdf({ format: 'A4' })).toString('latin1');
      await doc.close();
      const pages = (pdf.match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
      assert(pages === 1, 'the report prints on ' + pages + ' pages');
    });

    await check('after a reload the review is back: the rows, their labels and the sort', async () => {
      const before = await state();
      await kept();
      await page.reload({ waitUntil: 'load' });
      await load();
      const s = await until((s) => s.classify.count === 4);
      assert(s.classify.count === 4 && s.classify.session.restored === 4, 'restored ' + s.classify.count + ': ' + s.notice);
      const labels = (x) => x.classify.items.map((it) => `${it.name}:${it.top}:${it.reviewed}`).join();
      assert(labels(s) === labels(before), 'rows differ: ' + labels(s) + ' vs ' + labels(before));
      assert(s.classify.sort === 'confidence' && s.classify.descending === before.classify.descending, 'sort lost: ' + s.classify.sort);
      assert(s.classify.view.join() === before.classify.view.join(), 'order differs: ' + s.classify.view);
      await page.screenshot({ path: path.join(SHOTS, '32-review-restored.png') });
    });

    await check('a damaged saved session is reported and set aside, not dropped', async () => {
      await page.evaluate(() => new Promise((resolve, reject) => {
        const req = indexedDB.open('bloodcell', 1);
        req.onsuccess = () => {
          const tx = req.result.transaction('sessions', 'readwrite');
          tx.objectStore('sessions').put(new TextEncoder().encode('BCREVIEW\x01\0\0\0 not really'), 'review');
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        };
        req.onerror = () => reject(req.error);
      }));
      await page.reload({ waitUntil: 'load' });
      await load();
      const s = await until((s) => s.classify.session.error !== '');
      assert(/damaged: checksum mismatch/.test(s.classify.session.error), 'session error: ' + s.classify.session.error);
      assert(/^Could not restore the review session saved in this browser: damaged: .*kept aside as 'review-damaged-/.test(s.notice), 'notice: ' + s.notice);
      assert(s.classify.count === 0, 'rows from a damaged session: ' + s.classify.count);
      const keys = await page.evaluate(() => new Promise((resolve) => {
        const req = indexedDB.open('bloodcell', 1);
        req.onsuccess = () => { const r = req.result.transaction('sessions').objectStore('sessions').getAllKeys(); r.onsuccess = () => resolve(r.result); };
      }));
      assert(keys.some((k) => /^review-damaged-/.test(k)), 'not set aside: keys ' + keys);
      errors.splice(0, errors.length, ...errors.filter((e) => !/review session/.test(e)));
    });

    await check('the report of 70 reviewed images still prints on one page', async () => {
      const n0 = (await state()).classify.count;
      await page.evaluate((n0) => {
        for (let i = 0; i < 70; i++) {
          window.bloodcell.command('classify:sample');
          window.bloodcell.command('review:row=' + (n0 + i));
          window.bloodcell.command('review:accept');
        }
      }, n0);
      const s = await until((s) => s.classify.differential.reviewed >= 70);
      assert(s.classify.differential.reviewed >= 70, 'reviewed ' + s.classify.differential.reviewed);
      const [dl] = await Promise.all([page.waitForEvent('download'), page.evaluate(() => window.bloodcell.command('classify:report'))]);
      const html = fs.readFileSync(await dl.path(), 'utf8');
      assert((html.match(/data:image\/png;base64,/g) || []).length === 60 && /and 10 more/.test(html), 'not 60 thumbnails and a note');
      const doc = await ctx.newPage();
      await doc.setContent(html, { waitUntil: 'load' });
      await doc.screenshot({ path: path.join(SHOTS, '34-review-report-70.png'), fullPage: true });
      const pdf = (await doc.pdf({ format: 'A4' })).toString('latin1');
      await doc.close();
      const pages = (pdf.match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
      assert(pages === 1, 'the report prints on ' + pages + ' pages');
    });

    await check('no console errors', async () => { assert(errors.length === 0, errors.join(' | ')); });
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  finish();
}

main().catch((e) => finish(e));
