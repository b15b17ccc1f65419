// Layout at every window size and the fixes of issue 15 that need a trained model or other data,
// with real input (playwright's mouse, touchscreen and keyboard; the test hook only sets things up).
// The app reports the text it could not draw whole (state.layout.cut: cut by a window, a table column
// or a button, or spilling out of a plot or the confusion matrix, or a class name under its example
// broken inside a word); the welcome screen at 800x600, 1024x700, 1280x800 and 1920x1080 and every tab at 800x600 and 1920x1080 must have none. Screenshots: tests/e2e/screenshots/3x-*.png.
//   - a learning rate typed into the Ctrl+clicked slider is the rate (0.003 was read as 10^0.003)
//   - a new .npz: Compare shows no scores of the old data; 3-digit confusion counts fit their cells
//     at 800x600 and 1920x1080
//   - a phone (390x844, touch): every tab's name whole, an image picked and its class shown on screen,
//     the Train tab says training is best on a larger screen
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node layout.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { SHOTS, check, assert, sleep, finish, typeIntoSlider, openApp, readNpz, writeNpz } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const PBC = process.env.PBC_SAMPLES || path.resolve(__dirname, '../../../shared/data/pbc_samples');
const TABS = ['Classify', 'Data', 'Features', 'Train', 'Compare', 'Log'];
const SIZES = [[800, 600], [1280, 800], [1920, 1080]];

async function open(options) {
  const h = await openApp(URL_, options);
  const { page, state } = h;
  // opens a tab with a real click (no hover first) and waits until it is drawn
  h.clickTab = async (name) => {
    const c = h.center((await state()).layout.tabs[TABS.indexOf(name)]);
    await page.mouse.click(c.x, c.y);
    const s = await h.until((s) => s.tab === name, 3000);
    assert(s.tab === name, `a click on the ${name} tab opened ${s.tab}`);
    await page.mouse.move(1, page.viewportSize().height - 1);  // off the tab: no tooltip in the screenshots
    await h.frames(3);
    return h.state();
  };
  // Ctrl+click on a slider, type a value, Enter (ImGui's way to type into a slider)
  h.typeInto = async (item, text) => {
    await typeIntoSlider(page, (await state()).layout.items[item], text);
    await h.frames(2);
  };
  await h.frames(3);
  return h;
}

// The teaching set with its test split cut to its first 64 images and grown to 163 (image 0 copied
// 99 more times), so that one confusion-matrix count has three digits while the evaluation stays short.
function npzWith3DigitCounts() {
  const a = readNpz(path.resolve(__dirname, '../../assets/teaching.npz'));
  const img = 28 * 28 * 3, n = 64, extra = 99;
  const images = Buffer.concat([a.test_images.data.subarray(0, n * img), ...Array(extra).fill(a.test_images.data.subarray(0, img))]);
  const labels = Buffer.concat([a.test_labels.data.subarray(0, n), ...Array(extra).fill(a.test_labels.data.subarray(0, 1))]);
  return writeNpz({ ...a, test_images: { shape: [n + extra, 28, 28, 3], data: images }, test_labels: { shape: [n + extra, 1], data: labels } });
}

const cutsOf = (s) => s.layout.cut.length ? '\n       ' + s.layout.cut.join('\n       ') : '';

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const h = await open({});
  try {
    await check('the welcome screen at 800x600, 1024x700, 1280x800 and 1920x1080: no text cut, no class name broken inside a word', async () => {
      const bad = [];
      for (const [w, hh] of [SIZES[0], [1024, 700], ...SIZES.slice(1)]) {
        await h.page.setViewportSize({ width: w, height: hh });
        await h.frames(3);
        const s = await h.state();
        if (s.layout.cut.length) bad.push(`${w}x${hh}:${cutsOf(s)}`);
        await h.shot(`30-welcome-${w}x${hh}`);
      }
      assert(bad.length === 0, 'cut: ' + bad.join('\n     '));
    });

    await check('learning rate: Ctrl+click on its slider and type 0.003 sets 0.003 (it was read as 10^0.003)', async () => {
      await h.page.setViewportSize({ width: 1280, height: 800 });
      await h.command('train:model=cnn');
      await h.clickTab('Train');
      for (const [typed, want] of [['0.003', 0.003], ['2e-4', 2e-4]]) {
        await h.typeInto('train.lr', typed);
        const s = await h.until((s) => Math.abs(s.train.settings.lr - want) < want * 1e-3);
        assert(Math.abs(s.train.settings.lr - want) < want * 1e-3, `typed ${typed}, the rate is ${s.train.settings.lr}`);
      }
      await h.typeInto('train.lr', '0.003');
    });

    // a trained model, classified images and a selected gallery image: every view has its content
    await check('epochs: dragging its slider to the right end sets 100 (the w=32 file\'s recipe; it stopped at 50)', async () => {
      const r = (await h.state()).layout.items['train.epochs'];
      assert(r, 'the epochs slider is not on screen');
      const y = r[1] + r[3] / 2;
      await h.page.mouse.move(r[0] + 4, y);
      await h.page.mouse.down();
      await h.page.mouse.move(r[0] + r[2] / 2, y, { steps: 4 });
      await h.page.mouse.move(r[0] + r[2] + 40, y, { steps: 4 });
      await h.page.mouse.up();
      const s = await h.until((s) => s.train.settings.epochs === 100);
      assert(s.train.settings.epochs === 100, 'dragged to the end, epochs is ' + s.train.settings.epochs);
    });
    await check('epochs: Ctrl+click on its slider and type 1 sets one epoch', async () => {
      await h.typeInto('train.epochs', '1');
      const s = await h.until((s) => s.train.settings.epochs === 1);
      assert(s.train.settings.epochs === 1, 'typed 1, epochs is ' + s.train.settings.epochs);
    });
    await h.page.keyboard.press('Control+Enter');
    let s = await h.until((s) => s.train.run && s.train.run.done, 120000);
    assert(s.train.run && s.train.run.done, 'training did not finish: ' + JSON.stringify(s.train.run));
    await h.command('classify:sample');
    await h.command('classify:sample');
    await h.command('select:3');
    await h.until((s) => s.train.models.every((m) => m.evaluated), 60000);

    await check('every tab at 800x600 and 1920x1080 (tabs opened by clicks): no text cut', async () => {
      const bad = [];
      for (const [w, hh] of [SIZES[0], SIZES[2]]) {
        await h.page.setViewportSize({ width: w, height: hh });
        await h.frames(2);
        for (const tab of TABS) {
          const st = await h.clickTab(tab);
          if (st.layout.cut.length) bad.push(`${tab} at ${w}x${hh}:${cutsOf(st)}`);
          await h.shot(`31-${w}x${hh}-${tab}`);
        }
      }
      assert(bad.length === 0, 'cut: ' + bad.join('\n     '));
    });

    await check('a new .npz: Compare drops the old scores at once; 3-digit confusion counts fit at 800x600 and 1920x1080', async () => {
      const file = path.join(os.tmpdir(), `bloodcell-counts-${process.pid}.npz`);
      fs.writeFileSync(file, npzWith3DigitCounts());
      await h.page.setViewportSize({ width: 800, height: 600 });
      await h.clickTab('Data');
      const c = h.center((await h.state()).layout.items['data.open']);
      const chooser = h.page.waitForEvent('filechooser', { timeout: 10000 });
      await h.page.mouse.click(c.x, c.y);
      await (await chooser).setFiles(file);
      // the page reads the picked file after this returns: remove it only once it is loaded
      s = await h.until((s) => s.data.source === path.basename(file), 30000);
      fs.rmSync(file);
      assert(s.data.source === path.basename(file) && s.data.splits.test === 163, 'not loaded: ' + s.data.error + ' ' + JSON.stringify(s.data.splits));
      // (a small test split may be scored again before this look: those scores must be of its 163 images)
      const stale = s.train.models.filter((m) => m.evaluated && m.n !== 163);
      assert(stale.length === 0, 'scores of the old data still shown: ' + stale.map((m) => `${m.label} ${m.acc} on ${m.n}`).join(', '));
      await h.clickTab('Compare');
      // the model in use (the pretrained vgg6_w32, whose matrix is shown) on the 163 test images: the
      // copied neutrophil is right, so the neutrophil diagonal counts over 100 (`bloodcell eval` of the
      // same file: ACC 0.993865, AUC 1.000000)
      s = await h.until((s) => s.train.models[0].evaluated, 60000);
      const m = s.train.models[0];
      assert(m.evaluated && Math.abs(m.acc - 0.993865) < 1e-4 && Math.abs(m.auc - 1.0) < 1e-4, 'not evaluated as the CLI does: ' + JSON.stringify(m));
      await h.frames(3);
      const bad = [];
      for (const [w, hh] of [[800, 600], [1920, 1080]]) {
        await h.page.setViewportSize({ width: w, height: hh });
        await h.frames(3);
        // the wheel brings the matrix's lower rows (the neutrophils' count, over 100) into the screenshot
        await h.page.mouse.move(w / 2, hh / 2);
        await h.page.mouse.wheel(0, 300);
        await h.frames(3);
        const st = await h.state();
        if (st.layout.cut.length) bad.push(`${w}x${hh}:${cutsOf(st)}`);
        await h.shot(`32-compare-counts-${w}x${hh}`);
      }
      assert(bad.length === 0, 'cut: ' + bad.join('\n     '));
    });
    await check('no console errors', async () => assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | ')));
  } finally {
    await h.close();
  }

  await check('a phone (390x844, touch): tab names whole; tap "Choose images", pick one, its class shows; Train says to use a larger screen', async () => {
    const p = await open({ viewport: { width: 390, height: 844 }, hasTouch: true });
    try {
      let st = await p.state();
      const tabCuts = st.layout.cut.filter((c) => /^tab /.test(c));
      assert(tabCuts.length === 0, 'tab names cut: ' + tabCuts.join(', '));
      assert(st.layout.tabs.every((r) => r[0] >= 0 && r[0] + r[2] <= 390), 'a tab is off screen: ' + JSON.stringify(st.layout.tabs));
      await p.shot('33-phone-welcome');
      const choose = st.layout.items['classify.choose'];
      assert(choose && choose[0] + choose[2] <= 390, 'no Choose images button on screen: ' + JSON.stringify(choose));
      const chooser = p.page.waitForEvent('filechooser', { timeout: 10000 });
      const c = p.center(choose);
      await p.page.touchscreen.tap(c.x, c.y);
      await (await chooser).setFiles(path.join(PBC, 'LY_872934.jpg'));
      st = await p.until((s) => s.classify.count === 1 && s.classify.items[0].probs.length === 8, 20000);
      assert(st.classify.count === 1 && st.classify.items[0].class, 'not classified: ' + JSON.stringify(st.classify));
      await p.frames(3);
      st = await p.state();
      const cls = st.layout.items['classify.class'];
      assert(cls && cls[0] >= 0 && cls[0] + cls[2] <= 390 && cls[1] + cls[3] <= 844, 'the class is not on screen: ' + JSON.stringify(cls));
      await p.shot('34-phone-classified');
      for (const tab of ['Train', 'Classify']) {
        const r = st.layout.tabs[TABS.indexOf(tab)];
        await p.page.touchscreen.tap(r[0] + r[2] / 2, r[1] + r[3] / 2);
        st = await p.until((s) => s.tab === tab, 3000);
        assert(st.tab === tab, `a tap on ${tab} opened ${st.tab}`);
        await p.frames(3);
        st = await p.state();
        if (tab === 'Train') {
          assert(st.layout.items['train.small_screen'], 'no "training is best on a larger screen" message');
          await p.shot('35-phone-train');
        }
      }
      assert(p.errors.length === 0, 'console errors: ' + p.errors.join(' | '));
    } finally {
      await p.close();
    }
  });
  finish();
}

main().catch((e) => finish(e));
