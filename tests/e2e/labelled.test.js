// Your own labelled images and batches in the page (issue 12 items 6 and 7), with real input: a .zip of
// class folders (the 96 PBC images, "ig" for immature granulocytes, plus a non-image, a cut JPEG, a
// folder that names no class and a duplicate) dropped on the page is scored and its bad files listed;
// a click on Fine-tune fine-tunes the pretrained model on a seeded split and compares both on the
// held-out images; a folder handed over file by file is read the same way; 1,000 images dropped at once
// are classified with a progress bar and a real click on Cancel keeps the rows so far; a second drop
// finishes while the page keeps drawing, with its bad files listed and the heap bounded; a third drop
// that repeats rows already in the session lists them as duplicates; a batch row says that its crop
// cannot be moved; rows a batch adds after another model was picked name the model that classified them.
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node labelled.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { check, assert, sleep, finish, openApp, crc32 } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const PBC = process.env.PBC_SAMPLES || path.resolve(__dirname, '../../../shared/data/pbc_samples');

// A zip of deflated members [[name, Buffer]].
function writeZip(files) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [n, data] of files) {
    const name = Buffer.from(n, 'utf8'), comp = zlib.deflateRawSync(data), crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(comp.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(comp.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, name, comp);
    centrals.push(central, name);
    offset += local.length + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// The PBC samples by labels.csv: [file, class folder] ("ig" for class 3).
const ROWS = fs.readFileSync(path.join(PBC, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
  .map(([f, label, cls]) => [f, label === '3' ? 'ig' : cls]);
const bytesOf = (f) => fs.readFileSync(path.join(PBC, f));

// Drops files [[name, base64]] onto the page through its own drop handler (one DataTransfer).
async function drop(page, files) {
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const [n, b] of files) dt.items.add(new File([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))], n));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

// n distinct 360x363 JPGs in the page (the PBC samples, 4 bytes after the end-of-image marker), dropped.
async function dropMany(page, n, start, extra = []) {
  const jpgs = ROWS.map(([f]) => bytesOf(f).toString('base64'));
  await page.evaluate(([jpgs, n, start, extra]) => {
    const bytes = jpgs.map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
    const dt = new DataTransfer();
    for (let i = start; i < start + n; i++) {
      const b = bytes[i % bytes.length], f = new Uint8Array(b.length + 4);
      f.set(b);
      new DataView(f.buffer).setUint32(b.length, i);
      dt.items.add(new File([f], `cell_${String(i).padStart(4, '0')}.jpg`));
    }
    for (const [name, b] of extra) dt.items.add(new File([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))], name));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [jpgs, n, start, extra]);
}

async function main() {
  const app = await openApp(URL_);
  const { page, state, until, shot } = app;
  try {
    await check('a .zip of class folders dropped on the page: scored by the model, "ig" is immature granulocyte, bad files listed', async () => {
      const files = ROWS.map(([f, d]) => ['mine/' + d + '/' + f, bytesOf(f)]);
      files.push(['mine/neutrophil/notes.jpg', Buffer.from('these are not pixels')]);
      files.push(['mine/eosinophil/cut.jpg', bytesOf(ROWS[12][0]).subarray(0, 2000)]);
      files.push(['mine/cells/' + ROWS[0][0], bytesOf(ROWS[0][0])]);
      files.push(['mine/platelet/copy.jpg', bytesOf(ROWS[0][0])]);
      await drop(page, [['mine.zip', writeZip(files).toString('base64')]]);
      const s = await until((s) => s.classify.labelled.evaluated, 60000);
      const l = s.classify.labelled;
      assert(l.open && l.loaded && l.source === 'mine.zip', 'not read: ' + JSON.stringify({ open: l.open, error: l.error }));
      assert(l.images === 96 && l.counts.join() === '12,12,12,12,12,12,12,12', 'counts ' + l.counts);
      const why = Object.fromEntries(l.skipped.map((k) => [k.file, k.kind + ': ' + k.reason]));
      assert(why['mine/neutrophil/notes.jpg'] === 'not an image: not an image (unknown format; want PNG or JPG)', 'notes: ' + why['mine/neutrophil/notes.jpg']);
      assert((why['mine/eosinophil/cut.jpg'] || '').startsWith('unreadable image: '), 'cut: ' + why['mine/eosinophil/cut.jpg']);
      assert((why['mine/cells/' + ROWS[0][0]] || '').startsWith("unknown folder name: unknown folder name 'cells'"), 'cells: ' + JSON.stringify(why));
      assert(why['mine/platelet/copy.jpg'] === `duplicate file: duplicate of mine/basophil/${ROWS[0][0]} (the same bytes); that copy is labelled basophil, this one platelet`,
             'copy: ' + why['mine/platelet/copy.jpg']);
      // the same figures as `bloodcell eval --images` (tests/cli/test_cli.sh)
      assert(Math.abs(l.eval.acc - 0.947917) < 1e-4 && l.eval.n === 96, 'ACC ' + l.eval.acc);
      assert(l.eval.confusion[3].join() === '1,0,0,8,0,1,2,0', 'the ig row: ' + l.eval.confusion[3]);
      console.log(`     ${l.model}: ACC ${l.eval.acc.toFixed(4)} on 96; ${l.skipped.length} skipped`);
      await shot('50-labelled-zip');
    });

    await check('a click on Fine-tune: the model fine-tuned on a seeded split, both compared on the held-out images', async () => {
      let s = await until((s) => s.layout.items['labelled.finetune'] && s.layout.items['labelled.finetune'][2] > 0);
      const c = app.center(s.layout.items['labelled.finetune']);
      const f0 = s.frames;
      await page.mouse.click(c.x, c.y);
      s = await until((s) => s.classify.labelled.tune.status === 'running', 5000);
      assert(s.classify.labelled.tune.fit === 72 && s.classify.labelled.tune.held === 24, 'split ' + JSON.stringify(s.classify.labelled.tune));
      s = await until((s) => s.classify.labelled.tune.compared, 180000);
      const t = s.classify.labelled.tune;
      assert(t.compared && t.before.n === 24 && t.after.n === 24, 'not compared: ' + JSON.stringify(t));
      assert(t.after.acc >= t.before.acc - 0.05, `held-out ACC fell: ${t.before.acc} -> ${t.after.acc}`);
      assert(s.frames - f0 > 10, 'the page drew only ' + (s.frames - f0) + ' frames while fine-tuning');
      console.log(`     held out (24): ACC ${t.before.acc.toFixed(3)} before, ${t.after.acc.toFixed(3)} after; ${s.frames - f0} frames drawn meanwhile`);
      await shot('51-labelled-finetuned');
      assert((await app.command('labelled:use')) === '', 'labelled:use failed');
      s = await until((s) => s.classify.labelled.model !== '' && /fine-tuned/.test(s.classify.labelled.model), 30000);
      assert(/fine-tuned/.test(s.classify.labelled.model), 'the fine-tuned model is not in use: ' + s.classify.labelled.model);
    });

    await check('the labelled view at 800x600: no text cut', async () => {
      await page.setViewportSize({ width: 800, height: 600 });
      await app.frames(4);
      const s = await state();
      assert(s.layout.cut.length === 0, 'text cut: ' + s.layout.cut.join(' | '));
      await shot('52-labelled-800x600');
      await page.setViewportSize({ width: 1280, height: 800 });
      await app.frames(2);
    });

    await check('a folder handed over file by file (the glue of a dropped or chosen folder) is read the same way', async () => {
      const pick = ROWS.filter((_, i) => i % 6 === 0).map(([f, d]) => ['pbc/' + d + '/' + f, bytesOf(f).toString('base64')]);
      await page.evaluate((files) => {
        window.bloodcell.openFolder(files.map(([p, b]) => ({ file: new File([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))], p.split('/').pop()), path: p })), 'pbc');
      }, pick);
      const s = await until((s) => s.classify.labelled.source === 'pbc' && s.classify.labelled.evaluated, 30000);
      const l = s.classify.labelled;
      assert(l.images === 16 && l.counts.join() === '2,2,2,2,2,2,2,2' && l.skipped.length === 0, JSON.stringify({ n: l.images, c: l.counts, k: l.skipped }));
      assert((await app.command('labelled:close')) === '', 'close');
    });

    await check('1,000 images dropped at once: a progress bar, and a click on Cancel keeps the rows so far', async () => {
      const n0 = (await state()).classify.count;
      await dropMany(page, 1000, 0);
      // (the click comes as soon as 20 are done: a fast machine classifies the 1,000 in under 3 s, and
      // a click after a 1 s frame count once came after the batch had finished; the frame rate is
      // measured over the whole of the next drop instead)
      let s = await until((s) => s.classify.batch.busy && s.classify.batch.done >= 20 && s.layout.items['classify.cancel'], 60000);
      assert(s.classify.batch.busy && s.layout.items['classify.cancel'], 'no batch under way: ' + JSON.stringify(s.classify.batch));
      const c = app.center(s.layout.items['classify.cancel']);
      await page.mouse.click(c.x, c.y);
      // the threaded build classifies on a worker thread, the one-thread build between frames
      const build = await page.evaluate(() => window.bloodcell.build);
      assert(s.classify.batch.worker === (build === 'threads'), `the ${build} build: worker ${s.classify.batch.worker}`);
      s = await until((s) => !s.classify.batch.busy, 10000);
      const b = s.classify.batch;
      // (the first files to arrive may be classified at once, with their originals, before the batch starts)
      assert(b.status === 'cancelled' && b.done < 1000 && s.classify.count - n0 >= b.rows && s.classify.count - n0 <= b.rows + 4, 'after Cancel: ' + JSON.stringify({ b, count: s.classify.count }));
      // the files are handed over in the order of the drop: the rows kept are its first files
      const kept = s.classify.items.map((it) => it.name).filter((n) => /^cell_0\d{3}\.jpg$/.test(n)).sort();
      assert(kept.length > 0 && kept.every((n, i) => n === `cell_${String(i).padStart(4, '0')}.jpg`), 'rows kept: ' + kept.join());
      console.log(`     cancelled after ${b.done} of 1000 (${(b.done / b.seconds).toFixed(0)} images/s in the slices)`);
    });

    await check('a second drop of 1,000 with a non-image, a cut JPEG and a repeated file: all classified but those, listed with the reason; the page keeps drawing; heap bounded', async () => {
      let s = await state();
      const n0 = s.classify.count;
      const cut = bytesOf(ROWS[5][0]).subarray(0, 3000).toString('base64');
      const again = Buffer.concat([bytesOf(ROWS[10007 % 96][0]), Buffer.from([0, 0, 0x27, 0x17])]).toString('base64');  // = cell_10007.jpg's bytes
      await dropMany(page, 1000, 10000, [['readme.jpg', Buffer.from('not an image at all').toString('base64')], ['cut.jpg', cut], ['again.jpg', again]]);
      // frames drawn from the 20th image to the end of the batch, over that wall time (from the drop
      // itself, the test's own making of 1,000 File objects on the page's thread would count)
      s = await until((s) => s.classify.batch.busy && s.classify.batch.done >= 20, 60000);
      const f0 = s.frames, t0 = Date.now();
      await shot('53-batch-running');
      s = await until((s) => !s.classify.batch.busy && s.classify.count >= n0 + 1000, 120000);
      const fps = (s.frames - f0) / ((Date.now() - t0) / 1000);
      assert(fps >= 3, `the page drew ${fps.toFixed(1)} frames/s during the batch`);
      const b = s.classify.batch;
      assert(s.classify.count === n0 + 1000, `classified ${s.classify.count - n0} of 1000`);
      const last = b.skipped.slice(-3).join('\n');
      assert(/readme\.jpg: not an image \(unknown format; want PNG or JPG\)/.test(last), 'readme: ' + last);
      assert(/cut\.jpg: /.test(last), 'cut: ' + last);
      assert(/again\.jpg: duplicate of cell_10007\.jpg \(the same bytes\)/.test(last), 'again: ' + last);
      assert(b.memory > 0 && b.memory < 512 * 1048576, 'heap ' + b.memory);
      console.log(`     1000 in ${b.seconds.toFixed(1)} s inside the slices (${(b.done / b.seconds).toFixed(0)} images/s), ${fps.toFixed(1)} frames/s drawn; heap ${(b.memory / 1048576).toFixed(0)} MB`);
      await shot('54-batch-done');
    });

    await check('a third drop repeating images already in the session: listed as duplicates of those rows and skipped; a batch row says plainly that its crop cannot be moved, and a real drag leaves it', async () => {
      let s = await state();
      const n0 = s.classify.count;
      // the bytes of two rows of the first drop (which rows its Cancel kept depends on the worker's chunks)
      const first = s.classify.items.map((it) => it.name).filter((n) => /^cell_0\d{3}\.jpg$/.test(n)).slice(0, 2);
      assert(first.length === 2, 'rows of the first drop: ' + first.join());
      const repeat = (name) => { const i = Number(name.slice(5, 9)); return Buffer.concat([bytesOf(ROWS[i % 96][0]), Buffer.from([0, 0, i >> 8, i & 255])]).toString('base64'); };
      await dropMany(page, 6, 20000, [['repeat_a.jpg', repeat(first[0])], ['repeat_b.jpg', repeat(first[1])]]);
      s = await until((s) => !s.classify.batch.busy && s.classify.count >= n0 + 6, 60000);
      assert(s.classify.count === n0 + 6, `classified ${s.classify.count - n0} of the 6 new files`);
      const last = s.classify.batch.skipped.slice(-2).join('\n');
      assert(last.includes(`repeat_a.jpg: duplicate of ${first[0]}, already in the session (the same bytes)`), 'repeat_a: ' + last);
      assert(last.includes(`repeat_b.jpg: duplicate of ${first[1]}, already in the session (the same bytes)`), 'repeat_b: ' + last);
      // the selected row is the batch's last: a thumbnail only, and the panel says so under it
      await app.frames(3);
      s = await state();
      const sel = s.classify.selected, crop = s.classify.items[sel].crop.join();
      assert(/^cell_2000\d\.jpg$/.test(s.classify.items[sel].name), 'selected ' + s.classify.items[sel].name);
      assert(/cannot be moved: images of a batch .* keep only their thumbnail/.test(s.classify.recrop_note), 'note: ' + s.classify.recrop_note);
      assert(s.layout.items['classify.recrop_note'], 'the note is not drawn');
      const c = app.center(s.layout.original);
      await page.mouse.move(c.x, c.y);
      await page.mouse.down();
      await page.mouse.move(c.x + 30, c.y + 20, { steps: 6 });
      await page.mouse.up();
      await app.frames(4);
      s = await state();
      assert(s.classify.items[sel].crop.join() === crop, 'the crop of a batch row moved: ' + s.classify.items[sel].crop.join() + ' was ' + crop);
      await shot('55-batch-row-no-recrop');
    });

    await check('another model picked while a batch runs: the rows the batch adds afterwards name the model that classified them', async () => {
      let s = await state();
      const n0 = s.classify.count, first = s.train.active;
      const other = s.train.models.findIndex((m) => m.label !== first);
      assert(other >= 0, 'no second model: ' + JSON.stringify(s.train.models.map((m) => m.label)));
      const back = s.train.models.findIndex((m) => m.label === first);
      await dropMany(page, 400, 30000);
      s = await until((s) => s.classify.batch.busy && s.classify.batch.rows >= 20, 60000);
      assert(s.classify.batch.busy, 'the batch ended before the switch: ' + JSON.stringify(s.classify.batch));
      assert((await app.command('model:use=' + other)) === '', 'model:use failed');
      s = await until((s) => !s.classify.batch.busy && s.classify.count >= n0 + 400, 120000);
      // rows in the session when the model changed are classified again by the new one; the batch goes
      // on with the model it started with, and its later rows say so (they named the new model before)
      const rows = s.classify.items.slice(n0), now = s.train.models[other].label;
      const byFirst = rows.filter((r) => r.model === first).length, byNow = rows.filter((r) => r.model === now).length;
      assert(byFirst > 0 && byNow >= 20 && byFirst + byNow === rows.length, `rows by ${first}: ${byFirst}, by ${now}: ${byNow}, of ${rows.length}`);
      console.log(`     ${byNow} rows by ${now} (classified again at the switch), ${byFirst} by ${first} (the batch's model)`);
      assert((await app.command('model:use=' + back)) === '', 'model:use back failed');
    });
  } finally {
    if (app.errors.length) console.log('     console errors: ' + app.errors.slice(0, 3).join(' | '));
    await app.close();
  }
}

main().then(() => finish(), (e) => finish(e));
