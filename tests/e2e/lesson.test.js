// The README's 10-minute lesson (issue 11, item 8), walked in one page with real mouse and keyboard
// input, each step's state checked through the test hook, and the screenshots the README shows
// (docs/lesson/NN-*.png, 900 px wide) taken on the way:
//  1 the page opens on Classify with the teaching set and the pretrained model; hover help on a control
//  2 Data: the teaching set's classes and gallery; hover help on the subset's fraction
//  3 Train: Quick demo clicked: vgg6 (w=8) trains on the teaching set, curves live
//  4 the finished demo: curves per epoch, val ACC, the confusion matrix
//  5 a confusion-matrix cell clicked: the images behind it
//  6 one of them hovered: the heat maps of why the model said what it said
//  7 the same run at a tenth of the learning rate (typed into the slider), overlaid on the first
//    against wall time (the first labelled with its settings); paused after 3 epochs, which is
//    enough to see the difference (a teacher lets it finish: another minute)
//  8 Features: the co-occurrence matrix at 8 gray levels, distance 2 (chosen with the keyboard and a
//    typed value), a cell of it hovered
//  9 Copy link: the run as a link; hover help on Compare's and Tune's controls
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node lesson.test.js   (tests/e2e/run.sh sets it up)
//   The screenshots go to screenshots/lesson/; LESSON_SHOTS=../../docs/lesson renews the README's.
'use strict';
const fs = require('fs');
const path = require('path');
const { check, assert, finish, openApp, typeIntoSlider, reveal } = require('./harness');

const URL0 = (process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/').replace(/#.*$/, '');
const OUT = path.resolve(__dirname, process.env.LESSON_SHOTS || 'screenshots/lesson');
const WIDTH = 900;  // the screenshots' width: the README shows them at about this size
const TAB = { Classify: 0, Data: 1, Features: 2, Train: 3, Compare: 4, Log: 5 };

// The screenshot of the page scaled to WIDTH px (the browser's canvas scales it; the app's layout is
// the 1280x800 one a teacher sees).
async function lessonShot(app, name) {
  await app.frames(2);
  const png = await app.page.screenshot();
  const small = await app.page.evaluate(async ({ b64, width }) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = width;
    c.height = Math.round(img.height * width / img.width);
    const g = c.getContext('2d');
    g.imageSmoothingQuality = 'high';
    g.drawImage(img, 0, 0, c.width, c.height);
    return c.toDataURL('image/png').split(',')[1];
  }, { b64: png.toString('base64'), width: WIDTH });
  fs.writeFileSync(path.join(OUT, name + '.png'), Buffer.from(small, 'base64'));
}
async function clickTab(app, name) {
  const r = (await app.state()).layout.tabs[TAB[name]];
  await app.page.mouse.click((r[0] + r[2] / 2) / app.dpr, (r[1] + r[3] / 2) / app.dpr);
  const s = await app.until((st) => st.tab === name, 3000);
  assert(s.tab === name, `the click on the ${name} tab left ${s.tab}`);
  return s;
}
async function click(app, name, top) {
  const c = app.center(await reveal(app, name, top));
  await app.page.mouse.click(c.x, c.y);
}
// Moves the mouse onto the item `name` and returns the hover help it shows (the text of the help the
// state hook lists as "help <text>"), '' when none.
async function hoverHelp(app, name) {
  const c = app.center(await reveal(app, name));
  await app.page.mouse.move(c.x, c.y);
  const s = await app.until((st) => Object.keys(st.layout.items).some((k) => k.startsWith('help ')), 3000);
  const k = Object.keys(s.layout.items).find((x) => x.startsWith('help '));
  return k ? k.slice(5) : '';
}

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  let app = null;
  try {
    app = await openApp(URL0);
    let demo = null;

    await check('1 the page opens on Classify with the teaching set and a model; hover help on Try a sample image', async () => {
      const s = await app.state();
      assert(s.tab === 'Classify', 'opened on ' + s.tab);
      assert(s.data.loaded && /teaching/.test(s.data.source) && s.data.splits.train > 2800, 'data: ' + JSON.stringify(s.data.splits));
      assert(s.train.model_ready, 'no pretrained model in use');
      const help = await hoverHelp(app, 'classify.sample');
      assert(/test split/.test(help), 'help on Try a sample image: ' + help);
      await lessonShot(app, '01-open');
    });

    await check('2 Data: the classes and the gallery; hover help on the fraction of each class', async () => {
      await clickTab(app, 'Data');
      const help = await hoverHelp(app, 'slider ##frac');
      assert(/share of each class/.test(help), 'help on the fraction: ' + help);
      await lessonShot(app, '02-data');
    });

    await check('3 Train: hover help on the batch size; the Quick demo (a click) trains vgg6 w=8 on the teaching set; curves live', async () => {
      await clickTab(app, 'Train');
      const help = await hoverHelp(app, 'train.batch');
      assert(/^Batch size/.test(help), 'help on the batch size: ' + help);
      await app.shot('42-train-hover-help');
      await click(app, 'train.quick_demo');
      let s = await app.until((st) => st.train.run && st.train.running, 5000);
      assert(s.train.run && s.train.running, 'the demo did not start');
      assert(s.train.run.settings === 'vgg6 w=8, 8 epochs, batch 32, lr 0.004 cosine, Adam, augmented', 'settings: ' + s.train.run.settings);
      assert(s.data.view.size === s.data.splits.train, `the demo trains on ${s.data.view.size} of ${s.data.splits.train} images`);
      await app.page.mouse.move(640, 400);
      s = await app.until((st) => st.train.run.val_acc.length >= 2, 120000);
      assert(s.train.run.val_acc.length >= 2, 'two epochs did not end: ' + JSON.stringify(s.train.run.val_acc));
      await lessonShot(app, '03-quick-demo');
    });

    await check('4 the demo ends: val ACC per epoch rises to >= 0.85; the curves and the confusion matrix', async () => {
      const s = await app.until((st) => st.train.run.done || st.train.run.error, 180000);
      assert(s.train.run.done, 'the demo did not finish: ' + s.train.run.status + ' ' + s.train.run.error);
      demo = s.train.run;
      const v = demo.val_acc;
      console.log(`     val ACC per epoch ${v.map((x) => x.toFixed(3)).join(', ')}; ${demo.wall_seconds.toFixed(1)} s wall`);
      assert(v.length === 8 && v[7] > v[0] && demo.best_val_acc >= 0.85, 'val ACC ' + v);
      assert(s.train.runs.length === 1 && /lr 0\.004 cosine/.test(s.train.runs[0].label), 'runs: ' + JSON.stringify(s.train.runs.map((r) => r.label)));
      await lessonShot(app, '04-curves');
      if (s.notice) {  // "Training ... finished": closed, so that it does not cover the next pictures
        await click(app, 'notice.close');
        const t = await app.until((st) => !st.layout.items['notice.close'], 3000);
        assert(!t.layout.items['notice.close'], 'the notice stays after Close');
      }
    });

    await check('4 beside the matrix, a misclassified validation image (hovered) shows why: the heat maps', async () => {
      const c = app.center(await reveal(app, 'train.wrong0'));
      await app.page.mouse.move(c.x, c.y);
      const s = await app.until((st) => st.layout.items['train.why'], 5000);
      assert(s.layout.items['train.why'], 'no heat maps when hovering a misclassified image');
      await app.shot('42-train-misclassified-why');
      await app.page.mouse.move(640, 400);
    });

    await check('5 a confusion-matrix cell (a click) lists the images behind it', async () => {
      const conf = demo.confusion;
      let best = -1;  // the off-diagonal cell with the most images
      for (let k = 0; k < 64; k++) if (k % 9 !== 0 && conf[k] > 0 && (best < 0 || conf[k] > conf[best])) best = k;
      assert(best >= 0, 'no errors to click on');
      const r = await reveal(app, 'train.confusion');
      const t = Math.floor(best / 8), p = best % 8, cw = r[2] / 8;
      await app.page.mouse.click((r[0] + (p + 0.5) * cw) / app.dpr, (r[1] + (t + 0.5) * cw) / app.dpr);
      const s = await app.until((st) => st.train.run.behind.cell === best && st.layout.items['train.behind0'], 3000);
      const b = s.train.run.behind;
      assert(b.cell === best && b.count === conf[best], `cell ${best}: ${b.count} images listed, it counts ${conf[best]}`);
      assert(b.items.every(([, tt, pp]) => tt === t && pp === p), 'an image of another cell');
      await lessonShot(app, '05-confusion-cell');
    });

    await check('6 hovering one of them shows why: the heat maps of both classes', async () => {
      const c = app.center(await reveal(app, 'train.behind0'));
      await app.page.mouse.move(c.x, c.y);
      const s = await app.until((st) => st.layout.items['train.why'], 5000);
      assert(s.layout.items['train.why'], 'no heat maps on hover');
      await lessonShot(app, '06-why');
    });

    await check('7 the same run at a tenth of the learning rate (typed), over the first against wall time (its settings in the legend)', async () => {
      await click(app, 'train.reset');
      let s = await app.until((st) => !st.train.run, 3000);
      assert(!s.train.run, 'Reset left the run');
      const r = await reveal(app, 'train.lr');
      await typeIntoSlider(app.page, r.map((v) => v / app.dpr), '0.0004');
      s = await app.until((st) => Math.abs(st.train.settings.lr - 0.0004) < 1e-9, 3000);
      assert(Math.abs(s.train.settings.lr - 0.0004) < 1e-9 && s.train.settings.model === 'vgg6', 'settings: ' + JSON.stringify(s.train.settings));
      await click(app, 'train.start');
      s = await app.until((st) => st.train.running, 3000);
      assert(s.train.running && /lr 0\.0004 cosine/.test(s.train.run.settings), 'not started: ' + (s.train.run && s.train.run.settings));
      await click(app, 'train.x_wall', 90);  // the first row of the curves' panel
      s = await app.until((st) => st.train.x_wall, 3000);
      assert(s.train.x_wall && s.train.overlay, 'x axis / overlay: ' + s.train.x_wall + ' ' + s.train.overlay);
      await app.page.mouse.move(640, 400);
      s = await app.until((st) => st.train.run.val_acc.length >= 3 || st.train.run.error, 120000);
      assert(s.train.run.val_acc.length >= 3, 'three epochs did not end: ' + s.train.run.status + ' ' + s.train.run.error);
      const a = s.train.runs[0], b = s.train.run.val_acc;
      console.log(`     val ACC, lr 0.004: ${a.val_acc.map((x) => x.toFixed(3)).join(', ')}; lr 0.0004: ${b.map((x) => x.toFixed(3)).join(', ')}`);
      assert(s.train.runs.length === 1 && /^#1 vgg6/.test(a.label) && /lr 0\.004 cosine/.test(a.label), 'legend: ' + a.label);
      await lessonShot(app, '07-two-rates');
      await click(app, 'train.start');  // Pause
      s = await app.until((st) => !st.train.running, 3000);
      assert(!s.train.running, 'Pause did not stop the run');
    });

    await check('8 Features: the co-occurrence matrix at 8 levels (keyboard) and distance 2 (typed); a cell hovered', async () => {
      await clickTab(app, 'Features');
      await click(app, 'features.levels');  // opens the combo: 256 levels is selected; five up is 8
      await app.frames(2);
      for (let i = 0; i < 5; i++) await app.page.keyboard.press('ArrowUp');
      await app.page.keyboard.press('Space');
      let s = await app.until((st) => st.features.levels === 8, 3000);
      assert(s.features.levels === 8, 'levels: ' + s.features.levels);
      const r = await reveal(app, 'slider ##dist');
      await typeIntoSlider(app.page, r.map((v) => v / app.dpr), '2');
      s = await app.until((st) => st.features.distance === 2, 3000);
      assert(s.features.distance === 2, 'distance: ' + s.features.distance);
      const g = s.layout.items['features.glcm'];
      assert(g, 'no co-occurrence matrix on screen');
      // the cell (1, 1) of the 8x8 matrix
      await app.page.mouse.move((g[0] + g[2] * 1.5 / 8) / app.dpr, (g[1] + g[3] * 1.5 / 8) / app.dpr);
      s = await app.until((st) => st.features.table_rows === st.data.view.size, 60000);  // the box plots at 8 levels, distance 2
      assert(s.features.table_rows === s.data.view.size, `features of ${s.features.table_rows} of ${s.data.view.size} images`);
      assert(s.layout.cut.length === 0, 'text cut: ' + s.layout.cut.join('; '));
      await lessonShot(app, '08-features-glcm');
    });

    await check('9 Copy link: the run as a link; hover help on Compare and Tune', async () => {
      await clickTab(app, 'Train');
      await click(app, 'train.copy_link');
      let s = await app.until((st) => st.train.copied && st.train.copied === st.train.link, 3000);
      assert(s.train.copied === s.train.link && /lr=0\.0004/.test(s.train.link), 'copied: ' + s.train.copied);
      const url = await app.page.evaluate(() => window.bloodcell.copied);
      assert(url === URL0 + '#' + s.train.link, 'the copied link: ' + url);
      await lessonShot(app, '09-share-link');
      await clickTab(app, 'Compare');
      let help = await hoverHelp(app, 'compare.load');
      assert(/\.bcm model files/.test(help), 'help on Load .bcm model: ' + help);
      for (let i = 0; i < 30 && !(await app.state()).layout.items['slider epochs##tune']; i++) {  // the grid is further down
        await app.page.mouse.move(300, 500);
        await app.page.mouse.wheel(0, 200);
        await app.frames(2);
      }
      help = await hoverHelp(app, 'slider epochs##tune');
      assert(/Epochs of each trial/.test(help), 'help on the grid\'s epochs: ' + help);
      s = await app.state();
      assert(s.train.models.length >= 3, 'Compare lists ' + s.train.models.map((m) => m.label).join(', '));
    });
    await check('no console errors', async () => assert(app.errors.length === 0, 'console errors: ' + app.errors.join('; ')));
  } catch (e) {
    if (app) await app.close();
    finish(e);
    return;
  }
  await app.close();
  finish();
})();
