// What the page teaches (issue 11, items 7 and 11), with real input, at 1280x800 and 800x600 with no
// text cut:
// - "why did it say that": a full-size PBC image picked through the file chooser, the heat-map
//   checkbox clicked with the mouse, the map (28x28, scaled to 0..1) computed for the class the model
//   predicted and drawn over the input and the crop;
// - Features: the class distributions follow the chosen GLCM levels and distance, the shown image is
//   marked on them, two features plot against each other (the radio button clicked), and the table
//   downloads as CSV (the button clicked) with one row per image and the chosen distance's columns.
// (Train's hover help and a misclassified validation image's heat maps on hover are checked by
// lesson.test.js, steps 3 and 4, on its Quick demo run: training a run here only for them took 11 s.)
// - Train: distillation from the pretrained model (the slider dragged with the mouse, its hover help):
//   the teacher's pass over the training images shows as its own progress, then the run trains, its
//   settings and link carrying the distillation, and a second run without it has other losses; with
//   no pretrained model (its files blocked) Start with distillation is refused with the reason.
// Screenshots: screenshots/40-explain-*.png, 41-features-*.png, 43-distill-*.png.
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node learner.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const path = require('path');
const { SHOTS, check, assert, finish, openApp, reveal, typeIntoSlider } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const PBC = process.env.PBC_SAMPLES || path.resolve(__dirname, '../../../shared/data/pbc_samples');

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  await check('Train: distillation from the pretrained model, the teacher\'s pass first, then the run; the link carries it', async () => {
    const h = await openApp(URL_, { viewport: { width: 1280, height: 800 } });
    try {
      await h.until((s) => s.assets.pending.length === 0 && s.data.loaded, 30000);
      assert(await h.command('data:subset=per-class=16') === '', 'subset refused');
      assert(await h.command('train:model=vgg6') === '', 'vgg6 refused');
      assert(await h.command('train:width=8') === '', 'width refused');
      assert(await h.command('train:epochs=1') === '', 'epochs refused');
      await h.command('tab:Train');
      await h.until((s) => s.layout.items['train.distill'], 5000);  // the tab is drawn
      // the slider, scrolled into view with the wheel, its hover help, then a typed share (Ctrl+click,
      // the text, Enter: real mouse and keyboard)
      const box = await reveal(h, 'train.distill');
      const c = h.center(box);
      await h.page.mouse.move(c.x, c.y);
      let s = await h.until((st) => Object.keys(st.layout.items).some((k) => k.startsWith('help ')), 3000);
      const help = Object.keys(s.layout.items).find((k) => k.startsWith('help ')) || '';
      assert(/Knowledge distillation/.test(help), 'no hover help on the slider: ' + help);
      await typeIntoSlider(h.page, [box[0] / h.dpr, box[1] / h.dpr, box[2] / h.dpr, box[3] / h.dpr], '0.5');
      s = await h.until((s) => /&distill=0\.5&/.test(s.train.link || ''), 4000);
      assert(/&distill=0\.5&/.test(s.train.link || ''), 'the typed share is not in the settings: ' + s.train.link);
      assert(await h.command('train:distill-temp=2') === '', 'temperature refused');
      assert(await h.command('train:start') === '', 'start refused');
      s = await h.until((s) => s.train.run && (s.train.run.teaching || s.train.run.step > 0), 10000);
      assert(s.train.run && s.train.run.teaching && s.train.run.step === 0, 'no teacher pass before the first batch: ' + JSON.stringify(s.train.run));
      assert(/^Distillation from vgg6_w32 \(pretrained\): its 8-view probabilities on the 128 training images come first/.test(s.log.last),
             'log: ' + s.log.last);
      await h.shot('43-distill-teacher');
      s = await h.until((s) => s.train.run && s.train.run.done, 120000);
      assert(s.train.run.done && !s.train.run.error && !s.train.run.teaching, 'the distilled run did not finish: ' + JSON.stringify(s.train.run));
      assert(/&distill=0\.5&distill-temp=2&/.test(s.train.run.link), 'the run\'s link: ' + s.train.run.link);
      const distilled = s.train.run.first_loss;
      await h.shot('43-distill-done');
      // the same run without distillation starts from the same weights but another target: another loss
      assert(await h.command('train:distill=0') === '', 'distill 0 refused');
      assert(await h.command('train:start') === '', 'second start refused');
      s = await h.until((s) => s.train.run && s.train.run.step > 0 && !/distill=0\.5/.test(s.train.run.link), 20000);
      assert(!s.train.run.teaching && s.train.run.step > 0, 'the plain run: ' + JSON.stringify(s.train.run));
      assert(Math.abs(s.train.run.first_loss - distilled) > 1e-4, `same first loss with and without the teacher: ${distilled}`);
      assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | '));
    } finally {
      await h.close();
    }
  });
  await check('Train: weight averaging (SWA) from a typed epoch; the link carries it; fewer epochs pull it back', async () => {
    const h = await openApp(URL_, { viewport: { width: 1280, height: 800 } });
    try {
      await h.until((s) => s.assets.pending.length === 0 && s.data.loaded, 30000);
      for (const c of ['data:subset=per-class=16', 'train:model=vgg6', 'train:width=8', 'train:epochs=3', 'tab:Train'])
        assert(await h.command(c) === '', c + ' refused');
      await h.until((s) => s.layout.items['train.swa'], 5000);
      let s = await h.state();
      assert(!/&swa=/.test(s.train.link || ''), 'averaging on by default: ' + s.train.link);
      await reveal(h, 'train.swa');
      // the slider's value (its label is wider than its frame, so the item's centre is on the label)
      const box = (await h.state()).layout.items['slider average from epoch'];
      await typeIntoSlider(h.page, [box[0] / h.dpr, box[1] / h.dpr, box[2] / h.dpr, box[3] / h.dpr], '2');
      s = await h.until((s) => /&swa=2&/.test(s.train.link || ''), 4000);
      assert(/&swa=2&/.test(s.train.link || ''), 'the typed epoch is not in the settings: ' + s.train.link);
      // 0 reads "off", not "0": the value's rectangle is three letters wide, then one digit
      const two = (await h.state()).layout.items['slider average from epoch'];
      assert(box[2] > 1.5 * two[2], `the slider's text at 0 is ${box[2]} px wide, at 2 ${two[2]} px: not "off"`);
      // a link's epochs=1 beside swa=2 is refused (the engine's check); the slider pulls the start back
      assert(/swa 2: want 0 \(off\) or the first epoch averaged, 1\.\.1/.test(await h.command('train:epochs=1')), 'epochs=1 under swa=2 accepted');
      const ep = await reveal(h, 'train.epochs');
      await typeIntoSlider(h.page, [ep[0] / h.dpr, ep[1] / h.dpr, ep[2] / h.dpr, ep[3] / h.dpr], '1');
      s = await h.until((s) => /&swa=1&/.test(s.train.link || ''), 4000);
      assert(/&epochs=1&/.test(s.train.link) && /&swa=1&/.test(s.train.link), 'the start is not pulled back to the last epoch: ' + s.train.link);
      assert(await h.command('train:start') === '', 'start refused');
      s = await h.until((s) => s.train.run && s.train.run.done, 60000);
      assert(s.train.run.done && !s.train.run.error, 'the averaged run did not finish: ' + JSON.stringify(s.train.run));
      assert(/&swa=1&/.test(s.train.run.link), 'the run\'s link: ' + s.train.run.link);
      await h.shot('44-swa-done');
      assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | '));
    } finally {
      await h.close();
    }
  });
  await check('Train: distillation with no pretrained model to teach (its files failed to load) is refused with the reason; no run starts', async () => {
    const h = await openApp(URL_, { block: '**/*.bcm' });
    try {
      let s = await h.until((s) => s.assets.pending.length === 0 && s.data.loaded, 30000);
      assert(s.train.models.every((m) => !/pretrained/.test(m.label)), 'a pretrained model loaded: ' + s.train.models.map((m) => m.label));
      for (const c of ['data:subset=per-class=16', 'train:model=vgg6', 'train:width=8', 'train:epochs=1', 'train:distill=0.5'])
        assert(await h.command(c) === '', c + ' refused');
      const err = await h.command('train:start');
      assert(/distillation needs the pretrained model as its teacher, and none has loaded yet/.test(err), 'Start: ' + err);
      await h.frames(3);
      s = await h.state();
      assert(!s.train.run, 'a run started: ' + String(JSON.stringify(s.train.run)).slice(0, 200));
      // without distillation the same settings train
      assert(await h.command('train:distill=0') === '', 'distill 0 refused');
      assert(await h.command('train:start') === '', 'the plain run refused');
      s = await h.until((s) => s.train.run && s.train.run.step > 0, 20000);
      assert(s.train.run && s.train.run.step > 0, 'the plain run did not train');
    } finally {
      await h.close();
    }
  });
  for (const [w, hh] of [[1280, 800], [800, 600]]) {
    await check(`Classify at ${w}x${hh}: the heat map of a picked image, for its predicted class, over the input and the crop`, async () => {
      const h = await openApp(URL_, { viewport: { width: w, height: hh } });
      try {
        const [chooser] = await Promise.all([
          h.page.waitForEvent('filechooser'),
          h.page.evaluate(() => window.bloodcell.pickFiles('image/*', true, 'images')),
        ]);
        await chooser.setFiles(path.join(PBC, 'EO_176538.jpg'));
        let s = await h.until((s) => s.classify.count === 1 && s.classify.items[0].top >= 0 && s.layout.items['classify.heat_toggle'], 20000);
        assert(s.classify.count === 1 && s.classify.items[0].width > 28, 'not classified: ' + JSON.stringify(s.classify.error));
        assert(!s.classify.heat.on, 'the heat map is on before it was asked for');
        const box = s.layout.items['classify.heat_toggle'];
        assert(box && box[2] > 0, 'no heat-map checkbox on screen: ' + JSON.stringify(s.layout.items));
        const c = h.center(box);
        await h.page.mouse.click(c.x, c.y);
        s = await h.until((s) => s.classify.heat.on && s.classify.heat.pixels === 784 && s.layout.items['classify.heat'], 5000);
        const heat = s.classify.heat;
        assert(heat.on && heat.pixels === 784, 'no map after the click: ' + JSON.stringify(heat));
        assert(heat.cls === s.classify.items[0].top, `the map explains class ${heat.cls}, the model said ${s.classify.items[0].top}`);
        assert(heat.max === 1 && heat.mean > 0.02 && heat.mean < 0.9, 'a map that is not scaled to 0..1: ' + JSON.stringify(heat));
        assert(heat.error === '', 'error: ' + heat.error);
        assert(s.layout.cut.length === 0, 'text cut:\n       ' + s.layout.cut.join('\n       '));
        await h.shot(`40-explain-classify-${w}x${hh}`);
        await h.page.mouse.click(c.x, c.y);  // off again
        s = await h.until((s) => !s.classify.heat.on, 3000);
        assert(!s.classify.heat.on && !s.layout.items['classify.heat'], 'the map stays after the second click');
        assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | '));
      } finally {
        await h.close();
      }
    });
  }
  for (const [w, hh] of [[1280, 800], [800, 600]]) {
    await check(`Features at ${w}x${hh}: distributions at 8 levels and distance 2, this image marked, a scatter, the CSV`, async () => {
      const h = await openApp(URL_, { viewport: { width: w, height: hh } });
      try {
        assert(await h.command('data:subset=per-class=24') === '', 'subset refused');
        let s = await h.until((s) => s.data.view && s.data.view.size === 192, 10000);
        assert(s.data.view.size === 192, 'view: ' + JSON.stringify(s.data.view));
        assert(await h.command('select:5') === '', 'select refused');
        const tab = s.layout.tabs[2];
        await h.page.mouse.click((tab[0] + tab[2] / 2) / h.dpr, (tab[1] + tab[3] / 2) / h.dpr);
        s = await h.until((s) => s.tab === 'Features' && s.features.table_rows === 192, 60000);
        assert(s.tab === 'Features' && s.features.table_rows === 192, 'table: ' + JSON.stringify(s.features));
        assert(await h.command('features:feature=contrast_d1_mean') === '', 'no contrast_d1_mean');
        s = await h.until((s) => s.features.current !== null && s.features.feature === 'contrast_d1_mean', 3000);
        const at256 = s.features.current;
        // 8 levels, distance 2: the table is computed again and the shown image's contrast is on the
        // 8-level scale (at most 7^2 = 49), where at 256 levels it was larger
        assert(await h.command('features:levels=8') === '' && await h.command('features:distance=2') === '', 'levels/distance refused');
        assert(await h.command('features:feature=contrast_d2_mean') === '', 'no contrast_d2_mean at distance 2');
        s = await h.until((s) => s.features.levels === 8 && s.features.distance === 2 && s.features.table_rows === 192 &&
                                 s.features.feature === 'contrast_d2_mean' && s.features.current !== null, 60000);
        assert(s.features.table_rows === 192 && s.features.current !== null, 'not recomputed: ' + JSON.stringify(s.features));
        assert(s.features.current >= 0 && s.features.current <= 49 && at256 > 49,
               `contrast at 8 levels ${s.features.current}, at 256 levels ${at256}`);
        assert(s.layout.cut.length === 0, 'text cut:\n       ' + s.layout.cut.join('\n       '));
        await h.shot(`41-features-box-${w}x${hh}`);
        // at 800x600 the plots are below the fold: the mouse wheel over the panel brings them up
        for (let i = 0; i < 20; i++) {
          const r = s.layout.items['features.plot_scatter'];
          if (r && r[1] + r[3] < (hh - 40) * h.dpr && r[1] > 100 * h.dpr) break;
          await h.page.mouse.move(w / 2, hh / 2);
          await h.page.mouse.wheel(0, 100);
          await h.frames(2);
          s = await h.state();
        }
        const sc = h.center(s.layout.items['features.plot_scatter']);
        await h.page.mouse.click(sc.x, sc.y);
        s = await h.until((s) => s.features.scatter, 3000);
        assert(s.features.scatter, 'the scatter radio did not switch the plot');
        assert(s.layout.cut.length === 0, 'text cut:\n       ' + s.layout.cut.join('\n       '));
        await h.shot(`41-features-scatter-${w}x${hh}`);
        const btn = s.layout.items['features.csv'];
        assert(btn && btn[2] > 0, 'no Download CSV button');
        const bc = h.center(btn);
        const [dl] = await Promise.all([h.page.waitForEvent('download', { timeout: 10000 }), h.page.mouse.click(bc.x, bc.y)]);
        assert(dl.suggestedFilename() === 'bloodcell_features_L8_d2.csv', 'file name ' + dl.suggestedFilename());
        const lines = fs.readFileSync(await dl.path(), 'utf8').trim().split('\n');
        const head = lines[0].split(',');
        assert(lines.length === 193, lines.length + ' lines, want 192 rows and a header');
        assert(head.slice(0, 5).join(',') === 'index,label,class,mean,std' && head.length === 3 + s.features.table_features,
               'header: ' + lines[0].slice(0, 120));
        assert(head.includes('contrast_d2_mean') && !head.includes('contrast_d1_mean'), 'not the distance-2 columns');
        const col = head.indexOf('contrast_d2_mean');
        const row5 = lines[6].split(',');
        assert(Math.abs(Number(row5[col]) - s.features.current) < 1e-3 * Math.max(1, s.features.current),
               `image 5's contrast in the CSV ${row5[col]} vs the page ${s.features.current}`);
        assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | '));
      } finally {
        await h.close();
      }
    });
  }
  finish();
}

main().catch((e) => finish(e));
