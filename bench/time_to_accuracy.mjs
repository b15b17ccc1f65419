#!/usr/bin/env node
// Time to accuracy of the Train tab's Quick demo (issue 11, item 3): from a cold page (fresh browser
// profile, one-thread build from a static server without COOP/COEP), the demo is started as soon as
// the app runs, and the validation accuracy after each epoch is printed against the wall time since
// the click. Writes `time_to_accuracy` into bench/results.json (other keys kept).
// Not a test: scripts/bench.sh runs it after bench/run_all.mjs. Needs the web bundle (build_wasm.sh).
// Usage: node bench/time_to_accuracy.mjs [--web DIR] [--target 0.90] [--limit 240]
//   --limit S  give up S seconds after the click (the demo's 6 epochs normally end well before)
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, playwright, opt } from './in_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = playwright(root);
const webDir = path.resolve(opt('web', path.join(root, 'out/web')));
const target = Number(opt('target', 0.90));
const limitS = Number(opt('limit', 240));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the benchmarks' static server; the page without ?coi=1 runs its one-thread build
const server = await startServer(root, webDir);
const url = `${server.base}/web/index.html`;

const profile = await mkdtemp(path.join(os.tmpdir(), 'bc-tta-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
let result;
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
  const state = () => page.evaluate(() => window.bloodcell.state());
  const command = (c) => page.evaluate((c) => window.bloodcell.command(c), c);
  await command('tab:Train');
  // the click: on a cold page the teaching set may still be on its way; the demo then starts when it arrives
  const click = Date.now();
  const err = await command('train:demo');
  if (err) throw new Error('train:demo: ' + err);
  const points = [];  // [seconds since the click, val ACC] after each epoch
  let s = await state(), reached = null, frames0 = s.frames;
  process.stderr.write(`page running after ${((click - t0) / 1000).toFixed(1)} s (build ${await page.evaluate(() => window.bloodcell.build)}); Quick demo pressed\n`);
  console.log('seconds since click | epoch | val ACC');
  while ((Date.now() - click) / 1000 < limitS) {
    await sleep(250);
    s = await state();
    const r = s.train.run;
    if (!r) continue;
    while (points.length < r.val_acc.length) {
      const acc = r.val_acc[points.length];
      const t = (Date.now() - click) / 1000;  // noticed within ~250 ms of the epoch's end
      points.push([Number(t.toFixed(2)), Number(acc.toFixed(4))]);
      console.log(`${t.toFixed(1).padStart(19)} | ${String(points.length).padStart(5)} | ${acc.toFixed(4)}`);
      if (reached === null && acc >= target) reached = t;
    }
    if (r.done || r.error || r.diverged) break;
  }
  const r = s.train.run || {};
  const fps = (s.frames - frames0) / ((Date.now() - click) / 1000);
  result = { build: await page.evaluate(() => window.bloodcell.build), threads: 1, settings: r.settings || null, target,
    seconds_to_target: reached === null ? null : Number(reached.toFixed(2)), reached_within_60s: reached !== null && reached <= 60,
    final_val_acc: r.final_val_acc ?? null, wall_seconds: r.wall_seconds ?? null, compute_seconds: r.seconds ?? null,
    images_per_second: r.images_per_second ?? null, fps: Number(fps.toFixed(1)), curve: points,
    machine: { cores: os.cpus().length, load: os.loadavg() } };
  console.log(reached === null ? `val ACC ${target} not reached within ${limitS} s` : `val ACC ${target} reached ${reached.toFixed(1)} s after the click`);
} finally {
  await ctx.close();
  await rm(profile, { recursive: true, force: true });
  server.close();
}

const file = path.join(root, 'bench/results.json');
let all = {};
try { all = JSON.parse(await readFile(file, 'utf8')); } catch { /* a new file */ }
all.time_to_accuracy = { date: new Date().toISOString(), ...result };
await writeFile(file, JSON.stringify(all, null, 1) + '\n');
process.stderr.write('wrote time_to_accuracy into bench/results.json\n');
