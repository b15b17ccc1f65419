#!/usr/bin/env node
// A whole training run in the web app, as a learner would make it (issue 11, item 4): the full
// BloodMNIST opened through the page's file chooser, the Train tab's settings set by its own commands
// (the same as its controls and its link), Start, and the run watched to its end through the app's
// test hook. Then the trained model is saved from the page (a download, as the Save button gives) and
// scored on the test split twice: by the page itself (Compare's figures) and by the native CLI
// (`bloodcell eval`). Prints val ACC per epoch against wall time; writes everything to --out.
// Not a test (it takes ~20-40 minutes); needs the web bundle (build_wasm.sh) and build/bloodcell.
// Usage: node bench/in_page_run.mjs [--build threads|single] [--settings 'model=vgg6,epochs=80,...']
//          [--data BLOODMNIST.npz] [--web out/web] [--cli build/bloodcell] [--out runs/in_page_run]
//   writes OUT.json (the run) and OUT.bcm (the model the page saved)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, playwright, opt } from './in_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = playwright(root);
const webDir = path.resolve(opt('web', path.join(root, 'out/web')));
const dataFile = path.resolve(opt('data', path.join(root, '../shared/data/bloodmnist.npz')));
const cli = path.resolve(opt('cli', path.join(root, 'build/bloodcell')));
const out = path.resolve(opt('out', path.join(root, 'runs/in_page_run')));
const build = opt('build', 'threads');
// the page's vgg6 (width 16) with protocol C's recipe (assets/MODELS.md; the w=16 file shipped until
// 2026-12-07): 80 epochs, distilled from the best pretrained model at T = 2, label smoothing 0.1, weight decay 0.05
const settings = opt('settings', 'model=vgg6,width=16,epochs=80,smoothing=0.1,distill=0.5,distill-temp=2,wd=0.05').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const server = await startServer(root, webDir);
const profile = await mkdtemp(path.join(os.tmpdir(), 'bc-run-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 }, acceptDownloads: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
let failed = false;
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.goto(`${server.base}/web/index.html${build === 'threads' ? '?coi=1' : ''}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
  await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 120000 });
  const state = () => page.evaluate(() => window.bloodcell.state());
  const command = async (c) => {
    const err = await page.evaluate((c) => window.bloodcell.command(c), c);
    if (err) throw new Error(`${c}: ${err}`);
  };
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.evaluate(() => window.bloodcell.pickFiles('.npz', false, 'data'))]);
  await chooser.setFiles(dataFile);
  await page.waitForFunction(() => { const s = window.bloodcell.state(); return s.data.loaded && s.data.splits && s.data.splits.train > 10000; },
    null, { timeout: 300000, polling: 500 });
  await command('tab:Train');
  const [model, ...rest] = settings;
  await command('train:' + model);
  for (const kv of rest) await command('train:' + kv);
  const before = (await state()).train.models.length;
  await command('train:start');
  const t0 = Date.now();
  const s0 = await state();
  log(`${await page.evaluate(() => window.bloodcell.build)} build, ${s0.platform}; run: ${s0.train.run.line}`);
  log(`link: ${s0.train.run.link}`);
  const curve = [];
  let s = s0, teacherSeconds = null, taught = s0.train.run.teaching;
  for (;;) {
    await sleep(5000);
    s = await state();
    const r = s.train.run;
    if (!r) throw new Error('the run disappeared');
    taught = taught || r.teaching;
    if (taught && teacherSeconds === null && !r.teaching) teacherSeconds = (Date.now() - t0) / 1000;
    while (curve.length < r.val_acc.length) {
      const e = { epoch: curve.length + 1, wall_s: Number(((Date.now() - t0) / 1000).toFixed(1)), val_acc: r.val_acc[curve.length] };
      curve.push(e);
      log(`epoch ${e.epoch}/${r.epochs}: val ACC ${e.val_acc.toFixed(4)} at ${e.wall_s} s (${r.images_per_second.toFixed(0)} img/s)`);
    }
    if (r.error || r.diverged) throw new Error('the run failed: ' + (r.error || r.diverged_message));
    if (r.done) break;
  }
  const wall = (Date.now() - t0) / 1000;
  // the trained model joins the store; the page evaluates it on the test split (Compare)
  await page.waitForFunction((n) => { const m = window.bloodcell.state().train.models; return m.length > n && m[m.length - 1].evaluated; },
    before, { timeout: 600000, polling: 1000 });
  s = await state();
  const idx = s.train.models.length - 1, entry = s.train.models[idx];
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), command('model:save=' + idx)]);
  await mkdir(path.dirname(out), { recursive: true });
  await copyFile(await dl.path(), out + '.bcm');
  const evalOf = (tta) => JSON.parse(execFileSync(cli, ['eval', '--model', out + '.bcm', '--data', dataFile, '--split', 'test', '--json', ...(tta ? ['--tta'] : [])],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'ignore'] }));
  const single = evalOf(false), tta = evalOf(true);
  const result = {
    date: new Date(t0).toISOString(), build: await page.evaluate(() => window.bloodcell.build), platform: s.platform, chromium: ctx.browser()?.version?.() ?? null,
    link: s0.train.run.link, line: s0.train.run.line, wall_seconds: Number(wall.toFixed(1)), teacher_seconds: teacherSeconds,
    epochs: curve.length, best_val_acc: s.train.run.best_val_acc, images_per_second: s.train.run.images_per_second,
    page_test: { label: entry.label, acc: entry.acc, auc: entry.auc },
    cli_test: { acc: single.eval.acc, auc: single.eval.auc, tta_acc: tta.eval.acc, tta_auc: tta.eval.auc },
    model_file: path.relative(root, out + '.bcm'), curve,
  };
  await writeFile(out + '.json', JSON.stringify(result, null, 1) + '\n');
  log(`done in ${wall.toFixed(0)} s: page test ACC ${entry.acc.toFixed(4)} AUC ${entry.auc.toFixed(4)}; ` +
      `CLI test ACC ${result.cli_test.acc} AUC ${result.cli_test.auc}; wrote ${path.relative(root, out)}.json/.bcm`);
} catch (e) {
  failed = true;
  log('failed: ' + e.message);
} finally {
  await ctx.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
