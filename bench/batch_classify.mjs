// Classify as a lab would use it with a batch (issue 12 item 7): N full-size 360x363 JPGs (the PBC
// samples of ../shared/data/pbc_samples, each made distinct by 4 bytes after its end-of-image marker,
// which decoders ignore) dropped at once onto the page in headless Chromium, one-thread build (a plain
// static server). Measures end to end, from the drop until the last row is in the review table:
// reading the files, decode, crop + resize to 28x28, prediction (vgg6_w32, the page's pretrained
// model), thumbnails, all while the page keeps drawing. Prints images/s (wall), images/s inside the
// app's slices, frames/s drawn meanwhile and the heap; writes `batch_classify` into bench/results.json.
//   node bench/batch_classify.mjs [--images 1000] [--web out/web] [--pbc DIR]
import { readFile, readdir, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './in_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function playwright() {
  for (const dir of ['bench/peers', 'tests/e2e']) {
    try { return createRequire(path.join(root, dir, 'package.json'))('playwright-core'); } catch { /* next */ }
  }
  throw new Error('playwright-core missing: run scripts/install_deps.sh --tests');
}
const { chromium } = playwright();
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf('--' + name); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const webDir = path.resolve(opt('web', path.join(root, 'out/web')));
const pbcDir = path.resolve(opt('pbc', path.join(root, '../shared/data/pbc_samples')));
const N = Number(opt('images', 1000));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the benchmarks' static server; the page without ?coi=1 runs its one-thread build
const server = await startServer(root, webDir);
const url = `${server.base}/web/index.html`;

const jpgs = [];
for (const f of (await readdir(pbcDir)).filter((f) => f.endsWith('.jpg')).sort()) jpgs.push((await readFile(path.join(pbcDir, f))).toString('base64'));
const profile = await mkdtemp(path.join(os.tmpdir(), 'bc-batch-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
let result;
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
  await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 120000 });
  const state = () => page.evaluate(() => window.bloodcell.state());
  await sleep(1000);
  let s = await state();
  const frames0 = s.frames, build = await page.evaluate(() => window.bloodcell.build);
  // the drop: N files in one DataTransfer, through the page's own drop handler
  const t0 = await page.evaluate(([jpgs, n]) => {
    const bytes = jpgs.map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
    const dt = new DataTransfer();
    for (let i = 0; i < n; i++) {
      const b = bytes[i % bytes.length], f = new Uint8Array(b.length + 4);
      f.set(b);
      new DataView(f.buffer).setUint32(b.length, i);
      dt.items.add(new File([f], `cell_${String(i).padStart(4, '0')}.jpg`, { type: 'image/jpeg' }));
    }
    const t = performance.now();
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return t;
  }, [jpgs, N]);
  let maxHeap = 0;
  for (;;) {
    await sleep(300);  // (the state hook's JSON lists every row: polled now and then, not in a tight loop)
    s = await state();
    maxHeap = Math.max(maxHeap, s.classify.batch.memory);
    if (s.classify.count >= N && !s.classify.batch.busy) break;
    if (!s.classify.batch.busy && s.classify.count + s.classify.batch.skipped.length >= N) break;
  }
  const t1 = await page.evaluate(() => performance.now());
  const wall = (t1 - t0) / 1000, b = s.classify.batch;
  result = { build, images: N, classified: s.classify.count, skipped: b.skipped.length, model: 'vgg6_w32 (pretrained)',
    image_size: '360x363 JPG', wall_seconds: Number(wall.toFixed(2)), images_per_second: Number((s.classify.count / wall).toFixed(1)),
    in_slices_images_per_second: Number((b.done / Math.max(1e-9, b.seconds)).toFixed(1)), batch_rows: b.rows,
    fps: Number(((s.frames - frames0) / wall).toFixed(1)), heap_mb: Number((maxHeap / 1048576).toFixed(1)), target: 300,
    machine: { cores: os.cpus().length, cpu: os.cpus()[0].model, load: os.loadavg() } };
  console.log(`${s.classify.count} of ${N} images (${b.rows} through the batch job, ${b.skipped.length} skipped) in ${wall.toFixed(2)} s: ` +
    `${result.images_per_second} images/s end to end (target >= 300), ${result.in_slices_images_per_second} images/s inside the slices, ` +
    `${result.fps} frames/s drawn meanwhile, heap ${result.heap_mb} MB (${build} build)`);
} finally {
  await ctx.close();
  await rm(profile, { recursive: true, force: true });
  server.close();
}
const file = path.join(root, 'bench/results.json');
let all = {};
try { all = JSON.parse(await readFile(file, 'utf8')); } catch { /* a new file */ }
all.batch_classify = { date: new Date().toISOString(), ...result };
await writeFile(file, JSON.stringify(all, null, 1) + '\n');
process.stderr.write('wrote batch_classify into bench/results.json\n');
