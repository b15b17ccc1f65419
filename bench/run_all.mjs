#!/usr/bin/env node
// One command, one run: bloodcell beside its peers on identical architectures and batch size (64).
//   In one headless Chromium session: bloodcell's WebAssembly build (bench/bloodcell_bench.html; one
//   thread, and with threads on a cross-origin isolated page when build-wasm-mt/bench_web.js exists),
//   its GEMM shapes as fractions of the f32x4 mul+add peak (`bloodcell bench --gemm` in the page),
//   TensorFlow.js 4.22 (wasm+SIMD, cpu and webgl backends, one thread; predict at batch 256 in one
//   call), ONNX Runtime Web 1.30 (wasm+SIMD, one thread and threaded; inference only, on ONNX files
//   exported here from the PyTorch definitions of bench/peers/torch_bench.py), peak WebAssembly memory
//   while training the CNN on the full training split, and the app's first frame from a local server.
//   Natively: `bloodcell bench --json` and PyTorch (Debian python3-torch on OpenBLAS: LD_LIBRARY_PATH
//   of its process only; the BLAS it loaded is recorded per row) at 1 and 2 threads, and bench_gemm
//   (WASM GEMM vs Eigen's scalar path, and the peak) under Node.
// Prints one table, the ratios and the issue's targets (reached or not) and writes bench/results.json
// (with --only, the rows of earlier runs that this one did not redo are kept, each with its date).
// Figures drift on a shared machine: read the ratios, which come from one run.
// Usage: node bench/run_all.mjs [--seconds S] [--data BLOODMNIST.npz] [--web DIR] [--native CLI] [--only PARTS]
//   (scripts/bench.sh builds everything first and runs this)
import { readFile, writeFile, stat } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inPageTraining, startServer } from './in_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'bench/peers/package.json'));
const { chromium } = require('playwright-core');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf('--' + name); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const seconds = Number(opt('seconds', 4)) || 4;
const toAcc = Number(opt('to-acc', 0.95)) || 0.95;
const dataFile = path.resolve(opt('data', path.join(root, '../shared/data/bloodmnist.npz')));
const webDir = path.resolve(opt('web', path.join(root, 'out/web')));
// --only bloodcell,gemm_page,tfjs,ort,memory,page,in_page,native,node,torch,gemm,to_acc runs only those parts (default: all)
// to_acc (issue 13 item 6): seconds from the first batch to val ACC >= --to-acc (default 0.95) with the CLI's
// cnn and vgg6 recipes, seed 1, natively (2 threads) and in Chromium (1 thread); the slowest part (~15 min)
const only = opt('only', null);
const want = (part) => !only || only.split(',').includes(part);
const t00 = Date.now();
const log = (t) => process.stderr.write(`[${((Date.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${t}\n`);

async function exists(p) { try { await stat(path.resolve(root, p)); return true; } catch { return false; } }
async function size(p) { try { return (await stat(p)).size; } catch { return null; } }

async function browserRun(browser, url, timeoutS) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: timeoutS * 1000, polling: 500 });
    const r = await page.evaluate(() => window.benchResult);
    if (r.error) throw new Error(r.error + (errors.length ? ` (${errors.join('; ')})` : ''));
    return r;
  } finally {
    await page.close();
  }
}

// {system, model, train_img_s, infer_img_s, latency_ms, gflops, mem_mb, note, config}; config says how
// each figure was made: threads, batch sizes, and the BLAS (PyTorch) or backend/renderer (browser peers)
const rows = [];
function add(system, r, memKind, note, config = {}) {
  for (const m of r.results) {
    rows.push({ system, model: m.model, train_img_s: m.train_img_s ?? null, infer_img_s: m.infer_img_s ?? null,
      latency_ms: m.latency_ms ?? null, gflops: m.train_gflops ?? null, mem_mb: m.peak_mb ?? r.peak_rss_mb ?? m.heap_mb ?? null,
      mem_kind: memKind, note: m.train_error ? 'cannot train: ' + m.train_error.slice(0, 60) : note || '',
      config: { threads: r.threads ?? 1, batch_train: m.train_img_s !== undefined || m.train_error ? 64 : null, batch_infer: 256, ...config } });
  }
}
// `bloodcell bench --json` (native) in the same shape as the pages' results
const fromCli = (j) => ({ threads: j.threads, results: j.models.map((m) => ({ model: m.model, train_img_s: m.train_images_per_second,
  infer_img_s: m.infer_images_per_second, latency_ms: m.latency_ms, train_gflops: m.train_gflops, mflop_per_image: m.mflop_per_image,
  peak_mb: m.peak_mb })) });

const extra = { memory: null, app_memory: null, page: null, first_frame: [], gemm: null, gemm_browser: null, onnx: null, in_page_training: [], to_acc: [] };

// ONNX files for ONNX Runtime Web, exported from the PyTorch definitions (torch.onnx needs no python
// onnx package; Debian's python3-torch has it built in)
const onnxDir = path.join(root, 'bench/peers/onnx');
if (want('ort')) {
  try {
    log('exporting the ONNX models from PyTorch...');
    const outText = execFileSync('/usr/bin/python3', [path.join(root, 'bench/peers/torch_bench.py'), '--export-onnx', onnxDir],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    extra.onnx = { exporter: 'torch.onnx (opset 13)', files: outText.trim().split('\n').map((l) => JSON.parse(l)) };
  } catch (e) { log('ONNX export failed: ' + e.message.split('\n')[0]); }
}
const server = await startServer(root, webDir, dataFile);
const base = server.base;
const chromeArgs = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: chromeArgs });
const version = browser.version();
let served = null;
try {
  // bloodcell, one thread, then with threads
  if (!want('bloodcell')) { /* skipped */ } else if (await exists('build-wasm/bench_web.js')) {
    log('bloodcell wasm in Chromium, one thread...');
    add('bloodcell wasm (Chromium, 1 thread)', await browserRun(browser, `${base}/bench/bloodcell_bench.html?build=single&seconds=${seconds}`, 60 + 10 * seconds), 'wasm heap', '', { backend: 'wasm-simd128' });
  } else log('build-wasm/bench_web.js missing (scripts/bench.sh builds it): skipping bloodcell in Chromium');
  if (!want('bloodcell')) { /* skipped */ } else if (await exists('build-wasm-mt/bench_web.js')) {
    log('bloodcell wasm in Chromium, threads...');
    try {
      const r = await browserRun(browser, `${base}/bench/bloodcell_bench.html?build=threads&coi=1&seconds=${seconds}`, 60 + 10 * seconds);
      if (!r.cross_origin_isolated) throw new Error('the page was not cross-origin isolated');
      add(`bloodcell wasm (Chromium, ${r.threads} threads)`, r, 'wasm heap', '', { backend: 'wasm-simd128' });
    } catch (e) { log('threaded bloodcell failed: ' + e.message); }
  } else log('build-wasm-mt/bench_web.js missing: skipping threaded bloodcell');

  // the f32x4 mul+add peak and each GEMM shape as a fraction of it, in the same Chromium (one thread)
  if (want('gemm_page') && await exists('build-wasm/bench_web.js')) {
    log('bloodcell wasm in Chromium: GEMM shapes against the f32x4 mul+add peak...');
    try {
      const r = await browserRun(browser, `${base}/bench/bloodcell_bench.html?build=single&gemm=1&seconds=${seconds}`, 60 + 10 * seconds);
      extra.gemm_browser = { engine: `Chromium ${version}`, threads: 1, backend: r.gemm, simd_peak_gflops: r.simd_peak_gflops, shapes: r.gemm_shapes };
    } catch (e) { log('GEMM page failed: ' + e.message); }
  }

  for (const backend of want('tfjs') ? ['wasm', 'cpu', 'webgl'] : []) {
    log(`tfjs ${backend} in Chromium...`);
    // the cpu backend trains the CNN at a few images/s: fewer seconds (it still runs whole batches)
    const s = backend === 'cpu' ? Math.max(1, seconds / 4) : seconds;
    try {
      const r = await browserRun(browser, `${base}/bench/peers/tfjs.html?backend=${backend}&seconds=${s}`, 180 + 20 * s);
      // headless Chromium's WebGL is SwiftShader: the "GPU" is the CPU, on as many threads as it likes
      const swift = backend === 'webgl' && /swiftshader/i.test(r.renderer || '');
      add(`tfjs ${r.version} ${backend}${backend === 'wasm' && r.simd ? '+simd' : ''} (Chromium${backend === 'webgl' ? (swift ? ', SwiftShader' : ', GPU') : ''})`, r,
        backend === 'wasm' ? 'wasm heap' : backend === 'webgl' ? 'tensors' : 'JS heap',
        backend === 'webgl' ? (swift ? 'WebGL is SwiftShader: the CPU, not a GPU (renderer in config)' : `WebGL renderer: ${r.renderer}`) : '',
        { backend: backend + (backend === 'wasm' && r.simd ? '+simd' : ''), threads: backend === 'webgl' ? null : 1, ...(backend === 'webgl' ? { renderer: r.renderer } : {}) });
    } catch (e) { log(`tfjs ${backend} failed: ${e.message}`); }
  }

  // ONNX Runtime Web, inference only: one thread on a plain page, two on a cross-origin isolated one
  for (const t of want('ort') && extra.onnx ? [1, 2] : []) {
    log(`onnxruntime-web in Chromium, ${t} thread(s)...`);
    try {
      const r = await browserRun(browser, `${base}/bench/peers/ort.html?threads=${t}&seconds=${seconds}${t > 1 ? '&coi=1' : ''}`, 120 + 10 * seconds);
      if (t > 1 && !r.cross_origin_isolated) throw new Error('the page was not cross-origin isolated');
      add(`onnxruntime-web ${r.version} wasm+simd (Chromium, ${t} thread${t > 1 ? 's' : ''})`, r, 'wasm heap', 'inference only (ONNX from PyTorch)',
        { backend: 'wasm+simd', threads: t, batch_train: null });
    } catch (e) { log(`onnxruntime-web (${t} thread(s)) failed: ${e.message}`); }
  }

  // peak WebAssembly memory while the CNN trains on the full train split (the .npz loaded as the page would)
  if (want('memory') && await exists('build-wasm/bench_web.js') && await size(dataFile)) {
    log('bloodcell wasm: CNN on the full training split (memory)...');
    try {
      const r = await browserRun(browser, `${base}/bench/bloodcell_bench.html?build=single&models=cnn&seconds=2&data=/data/bloodmnist.npz`, 300);
      extra.memory = { data: r.data, heap_mb: r.heap_mb, train_img_s: r.results[0].train_img_s, npz_mb: (await size(dataFile)) / 1048576 };
    } catch (e) { log('memory run failed: ' + e.message); }
  }

  // the web app: size of what the page downloads, and its first frame from a local server
  const pageFiles = { single: ['bloodcell_web.wasm', 'bloodcell_web.js', 'bloodcell.js', 'index.html'],
    threads: ['bloodcell_web_mt.wasm', 'bloodcell_web_mt.js', 'bloodcell_web_mt.worker.js', 'bloodcell.js', 'index.html'] };
  if (!want('page')) { /* skipped */ } else if (await size(path.join(webDir, 'index.html'))) {
    extra.page = {};
    for (const [k, files] of Object.entries(pageFiles)) {
      const sizes = await Promise.all(files.map((f) => size(path.join(webDir, f))));
      if (sizes.every((v) => v !== null)) extra.page[k] = { files, bytes: sizes.reduce((a, b) => a + b, 0), wasm_bytes: sizes[0], js_bytes: sizes.slice(1).reduce((a, b) => a + b, 0) };
    }
    // what the page downloads after its first frame: the sample and the pretrained models in assets/
    // (the .wasm embeds only the shaders and the UI font, cut to Latin-1)
    let assets = 0;
    try { for (const f of readdirSync(path.join(webDir, 'assets'))) if (/\.(npz|bcm)$/.test(f)) assets += (await size(path.join(webDir, 'assets', f))) || 0; } catch { /* none */ }
    extra.page.assets_bytes = assets;

    // scripts/serve.js (COOP/COEP: the threaded build when present) and this server without them (one thread)
    served = spawn(process.execPath, [path.join(root, 'scripts/serve.js'), webDir, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const serveUrl = await new Promise((ok, fail) => {
      let buf = '';
      served.stdout.on('data', (d) => { buf += d; const m = buf.match(/http:\/\/127\.0\.0\.1:\d+\//); if (m) ok(m[0]); });
      served.on('exit', () => fail(new Error('scripts/serve.js exited')));
    });
    for (const [label, url] of [['scripts/serve.js (COOP/COEP)', serveUrl], ['static server without COOP/COEP', `${base}/web/index.html`]]) {
      const times = [];
      let build = null;
      for (let i = 0; i < 3; i++) {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await ctx.newPage();
        try {
          await page.goto(url, { waitUntil: 'commit' });
          await page.waitForFunction(() => window.bloodcell && window.bloodcell.firstFrameMs !== null, null, { timeout: 60000, polling: 20 });
          const r = await page.evaluate(() => ({ ms: window.bloodcell.firstFrameMs, build: window.bloodcell.build }));
          times.push(r.ms);
          build = r.build;
        } catch (e) { log(`first frame (${label}) failed: ${e.message.split('\n')[0]}`); }
        await ctx.close();
      }
      times.sort((a, b) => a - b);
      if (times.length) extra.first_frame.push({ server: label, build, median_ms: times[Math.floor(times.length / 2)], runs_ms: times });
      log(`first frame, ${label}: ${times.map((t) => t.toFixed(0)).join(', ')} ms (${build})`);
    }

    // the app itself: the full .npz opened through its file chooser, the CNN trained a few batches at
    // the page's defaults, then the WebAssembly memory (one-thread build; the heap only grows)
    if (await size(dataFile)) {
      log('the app: full .npz opened, CNN training (memory)...');
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      try {
        await page.goto(`${base}/web/index.html`, { waitUntil: 'load' });
        await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 60000 });
        const heap = () => page.evaluate(() => (Module.wasmMemory ? Module.wasmMemory.buffer.byteLength : Module.HEAP8.length) / 1048576);
        const heap0 = await heap();
        const [chooser] = await Promise.all([page.waitForEvent('filechooser'),
          page.evaluate(() => window.bloodcell.pickFiles('.npz', false, 'data'))]);
        await chooser.setFiles(dataFile);
        await page.waitForFunction(() => { const s = window.bloodcell.state(); return s.data.loaded && s.data.splits && s.data.splits.train > 10000; },
          null, { timeout: 120000, polling: 200 });
        const heapLoaded = await heap();
        const cmd = (c) => page.evaluate((c) => window.bloodcell.command(c), c);
        await cmd('train:model=cnn');
        await cmd('tab:Train');
        const err = await cmd('train:start');
        if (err) throw new Error('train:start: ' + err);
        await page.waitForFunction(() => { const r = window.bloodcell.state().train.run; return r && r.step >= 30; }, null, { timeout: 120000, polling: 200 });
        await cmd('train:pause');
        const st = await page.evaluate(() => window.bloodcell.state());
        extra.app_memory = { heap_start_mb: heap0, heap_loaded_mb: heapLoaded, heap_mb: await heap(), train_images: st.data.splits.train, steps: st.train.run.step, build: await page.evaluate(() => window.bloodcell.build) };
        log(`app memory: ${extra.app_memory.heap_mb.toFixed(0)} MB after ${extra.app_memory.steps} batches (${heap0.toFixed(0)} MB at start, ${heapLoaded.toFixed(0)} MB with the .npz loaded)`);
      } catch (e) { log('app memory run failed: ' + e.message.split('\n')[0]); }
      await ctx.close();
    }
  } else log(`${webDir}/index.html missing (build_wasm.sh builds it): no page size or first frame`);

  // time to accuracy in Chromium, one thread (the full .npz fetched by the bench page)
  if (want('to_acc') && await exists('build-wasm/bench_web.js') && await size(dataFile)) {
    log(`bloodcell wasm: cnn and vgg6 recipes until val ACC >= ${toAcc} (Chromium, 1 thread; minutes)...`);
    try {
      const r = await browserRun(browser, `${base}/bench/bloodcell_bench.html?build=single&to_acc=${toAcc}&models=cnn,vgg6&data=/data/bloodmnist.npz`, 3600);
      extra.to_acc.push(...r.to_acc.map((x) => ({ where: 'Chromium, wasm', threads: r.threads, ...x })));
    } catch (e) { log('time to accuracy in Chromium failed: ' + e.message); }
  }

  // the app training as a teacher runs it (bench/in_page.mjs), beside the bench page in the same run
  if (want('in_page') && await size(path.join(webDir, 'index.html')) && await size(dataFile)) {
    extra.in_page_training = await inPageTraining(browser, { root, webDir, dataFile, model: 'cnn', seconds: Math.max(10, 3 * seconds), log });
  }
} finally {
  await browser.close();
  server.close();
  if (served) served.kill();
}

// ---- native -----------------------------------------------------------------------------------------
function native(cmd, argv, label, parse = JSON.parse, env = process.env) {
  try {
    log(`${label}...`);
    return parse(execFileSync(cmd, argv, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }));
  } catch (e) { log(`${label} failed: ${e.message.split('\n')[0]}`); return null; }
}
const cli = path.resolve(root, opt('native', 'build/bloodcell'));
for (const t of want('native') ? [1, 2] : []) {
  if (!(await size(cli))) { log(`${cli} missing: no native bloodcell rows`); break; }
  const j = native(cli, ['bench', '--json', '--model', 'fcnn,cnn', '--threads', String(t), '--seconds', String(seconds)], `bloodcell native, ${t} thread(s)`,
    (text) => JSON.parse(text.split('\n').filter((l) => l.startsWith('{')).pop()));  // a table, then the JSON line
  if (j) add(`bloodcell native (${t} thread${t > 1 ? 's' : ''})`, fromCli(j), 'RSS', '', { backend: j.gemm });
}
// the same WebAssembly under Node (NODERAWFS build of the CLI), one thread
if (want('node') && await exists('build-wasm/bloodcell.js')) {
  const j = native(process.execPath, ['--no-experimental-fetch', path.join(root, 'build-wasm/bloodcell.js'), 'bench', '--json', '--model', 'fcnn,cnn', '--seconds', String(seconds)],
    'bloodcell wasm under Node', (text) => JSON.parse(text.split('\n').filter((l) => l.startsWith('{')).pop()));
  if (j) add(`bloodcell wasm (Node ${process.versions.node}, 1 thread)`, fromCli(j), 'wasm heap', '', { backend: j.gemm });
}
// PyTorch on OpenBLAS (scripts/install_deps.sh --bench installs libopenblas0-pthread): Debian's torch
// calls libblas.so.3, so its process alone gets OpenBLAS's folder first on LD_LIBRARY_PATH, whatever
// the system's libblas.so.3 alternative says; OpenBLAS's own threads are held to the same count
const openblasDir = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
for (const t of want('torch') ? [1, 2] : []) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) };
  if (await size(path.join(openblasDir, 'libblas.so.3'))) env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  else log(`${openblasDir}/libblas.so.3 missing (scripts/install_deps.sh --bench installs it): PyTorch runs on the system's libblas.so.3`);
  const torch = native('/usr/bin/python3', [path.join(root, 'bench/peers/torch_bench.py'), '--threads', String(t), '--seconds', String(seconds)], `pytorch native, ${t} thread(s)`, JSON.parse, env);
  if (torch) add(`pytorch ${torch.version} native, ${torch.blas.name} (${t} thread${t > 1 ? 's' : ''})`, torch, 'RSS', `BLAS: ${torch.blas.name} (torch.__config__: ${torch.blas.config})`,
    { backend: torch.mkldnn ? 'aten + mkldnn' : 'aten', blas: torch.blas });
}
// time to accuracy natively, the engine's default threads
if (want('to_acc') && await size(cli) && await size(dataFile)) {
  const j = native(cli, ['bench', '--json', '--to-acc', String(toAcc), '--data', dataFile, '--model', 'cnn,vgg6'], `bloodcell native: recipes until val ACC >= ${toAcc}`,
    (text) => JSON.parse(text.split('\n').filter((l) => l.startsWith('{')).pop()));
  if (j) extra.to_acc.push(...j.to_acc.map((x) => ({ where: 'native', threads: j.threads, ...x })));
}
// WASM GEMM vs Eigen's scalar path, one Node run
if (want('gemm') && await exists('build-wasm/bench_gemm.js')) {
  extra.gemm = native(process.execPath, ['--no-experimental-fetch', path.join(root, 'build-wasm/bench_gemm.js')], 'bench_gemm (WebAssembly, Node)', (text) => {
    const backend = (text.match(/backend in this build: (\S+)/) || [])[1];
    const peak = +(text.match(/mul\+add peak: ([\d.]+)/) || [])[1] || null;
    const shapes = [...text.matchAll(/^(\d+ x \d+ x \d+) \(([^)]*)\)\s+([\d.]+)\s+([\d.]+)/gm)].map((m) => ({ shape: m[1], what: m[2], packed_gflops: +m[3], eigen_gflops: +m[4],
      fraction_of_peak: peak ? +m[3] / peak : null }));
    return { engine: `Node ${process.versions.node}`, backend, simd_peak_gflops: peak, shapes };
  });
}

// ---- table ------------------------------------------------------------------------------------------
// GFLOP/s of the peers from bloodcell's FLOP count of the same architecture (forward x 3 for training)
const mflop = {};
for (const r of rows) if (r.gflops && r.train_img_s) mflop[r.model] = (r.gflops * 1000) / (3 * r.train_img_s);
for (const r of rows) if (r.gflops === null && r.train_img_s && mflop[r.model]) r.gflops = (r.train_img_s * 3 * mflop[r.model]) / 1000;

const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const pick = (sys, model) => rows.find((r) => r.system.startsWith(sys) && r.model === model);
let out = `Chromium ${version}; batch 64 for training, 256 for inference; ${seconds} s per figure; ${os.cpus().length} cores (${os.cpus()[0].model}), load ${os.loadavg()[0].toFixed(2)} at the end\n\n`;
// the configuration beside each figure: threads, batch sizes, BLAS (PyTorch) or backend
const cfgText = (c) => [c.threads === null ? 'threads: browser\'s' : `${c.threads} thr`, `batch ${c.batch_train ?? '-'}/${c.batch_infer}`,
  c.blas ? c.blas.name : c.backend].filter(Boolean).join(', ');
out += '| system | model | train img/s | infer img/s (b256) | latency ms (1 img) | train GFLOP/s | memory MB | configuration | note |\n|---|---|---|---|---|---|---|---|---|\n';
for (const model of ['fcnn', 'cnn'])
  for (const r of rows.filter((x) => x.model === model))
    out += `| ${r.system} | ${r.model} | ${f(r.train_img_s)} | ${f(r.infer_img_s)} | ${f(r.latency_ms, 3)} | ${f(r.gflops, 1)} | ${f(r.mem_mb)} ${r.mem_kind} | ${cfgText(r.config)} | ${r.note} |\n`;

// ratios: bloodcell in Chromium (one thread) against each peer, and native bloodcell against PyTorch at equal threads
const ratios = [];
const ratio = (a, b) => (a && b ? a / b : null);
for (const model of ['fcnn', 'cnn']) {
  const bc = pick('bloodcell wasm (Chromium, 1 thread)', model);
  if (bc) for (const p of rows.filter((r) => !r.system.startsWith('bloodcell') && r.model === model))
    ratios.push({ model, ours: bc.system, peer: p.system, train: ratio(bc.train_img_s, p.train_img_s), infer: ratio(bc.infer_img_s, p.infer_img_s), latency: ratio(p.latency_ms, bc.latency_ms) });
  for (const t of ['1 thread', '2 threads']) {
    const bn = pick(`bloodcell native (${t})`, model), pt = rows.find((r) => r.system.startsWith('pytorch') && r.system.endsWith(`(${t})`) && r.model === model);
    if (bn && pt) ratios.push({ model, ours: bn.system, peer: pt.system, train: ratio(bn.train_img_s, pt.train_img_s), infer: ratio(bn.infer_img_s, pt.infer_img_s), latency: ratio(pt.latency_ms, bn.latency_ms) });
  }
}
out += '\nRatios (ours / peer; > 1 means bloodcell is faster; latency: peer ms / our ms):\n\n| model | ours | peer | training | inference b256 | latency |\n|---|---|---|---|---|---|\n';
for (const r of ratios) out += `| ${r.model} | ${r.ours} | ${r.peer} | ${f(r.train, 2)}x | ${f(r.infer, 2)}x | ${f(r.latency, 2)}x |\n`;

// the issue's targets
const targets = [];
const target = (what, value, goal, ok) => targets.push({ target: what, value, goal, reached: ok === null ? null : !!ok });
const bcCnn = pick('bloodcell wasm (Chromium, 1 thread)', 'cnn'), bcFc = pick('bloodcell wasm (Chromium, 1 thread)', 'fcnn');
const browserPeersCnn = rows.filter((r) => r.system.includes('(Chromium)') && r.model === 'cnn' && r.train_img_s);
const fastestPeer = browserPeersCnn.sort((a, b) => b.train_img_s - a.train_img_s)[0];
const tfw = (model) => rows.find((r) => r.system.startsWith('tfjs') && r.system.includes(' wasm') && r.model === model);
const pt1 = (model) => rows.find((r) => r.system.startsWith('pytorch') && r.system.endsWith('(1 thread)') && r.model === model);
const num = (v, d, unit = '') => (v === null || v === undefined ? 'not measured' : `${Number(v).toFixed(d)}${unit}`);
const cmp = (v, goal, le = false) => (v === null || v === undefined ? null : le ? v <= goal : v >= goal);
let v;
v = bcCnn?.train_img_s; target('CNN training in Chromium, 1 thread (img/s)', num(v, 0), '>= 500', cmp(v, 500));
v = ratio(bcCnn?.train_img_s, fastestPeer?.train_img_s); target(`CNN training vs fastest in-browser peer that trains it (${fastestPeer ? fastestPeer.system : 'none'})`, num(v, 1, 'x'), '>= 20x', cmp(v, 20));
v = ratio(bcCnn?.train_img_s, pt1('cnn')?.train_img_s); target('CNN training in Chromium vs PyTorch native, 1 thread', num(v, 2, 'x'), '>= 0.75x', cmp(v, 0.75));
v = ratio(bcFc?.train_img_s, tfw('fcnn')?.train_img_s); target('FCNN training vs tfjs wasm+SIMD', num(v, 2, 'x'), '>= 2x', cmp(v, 2));
// issue 13, item 2: against the fastest other engine in the same Chromium run at one thread (tfjs
// wasm/cpu, onnxruntime-web 1 thread; the webgl row is SwiftShader on every core, reported beside)
const inferPeers = rows.filter((r) => r.model === 'cnn' && r.system.includes('(Chromium') && !r.system.startsWith('bloodcell') && r.config.threads === 1 && r.infer_img_s)
  .sort((a, b) => b.infer_img_s - a.infer_img_s);
v = ratio(bcCnn?.infer_img_s, inferPeers[0]?.infer_img_s);
target(`CNN inference (batch 256) in Chromium, 1 thread, vs the fastest other engine at 1 thread (${inferPeers[0] ? `${inferPeers[0].system}, ${f(inferPeers[0].infer_img_s)} img/s` : 'none'})`, num(v, 2, 'x'), '>= 2x', cmp(v, 2));
const glCnn = rows.find((r) => r.model === 'cnn' && r.system.startsWith('tfjs') && r.config.backend === 'webgl');
if (glCnn) { v = ratio(bcCnn?.infer_img_s, glCnn.infer_img_s); target(`CNN inference vs ${glCnn.system} (${f(glCnn.infer_img_s)} img/s; SwiftShader uses every core)`, num(v, 2, 'x'), 'reported', null); }
v = bcCnn?.latency_ms; target('single-image CNN latency in Chromium (ms)', num(v, 3), '<= 0.25', cmp(v, 0.25, true));
const g512 = extra.gemm?.shapes.find((s) => s.shape === '512 x 512 x 512');
v = g512 ? g512.packed_gflops / g512.eigen_gflops : null;
target(`WASM GEMM 512^3 vs Eigen scalar, one Node run (${g512 ? `${g512.packed_gflops} vs ${g512.eigen_gflops} GFLOP/s` : '-'})`, num(v, 2, 'x'), '>= 1.5x', cmp(v, 1.5));
// issue 13, item 5: each GEMM shape in Chromium as a fraction of the f32x4 mul+add peak there
if (extra.gemm_browser?.shapes) {
  for (const sh of extra.gemm_browser.shapes) {
    const goal = sh.what === 'square' ? 0.8 : /im2col/.test(sh.what) ? 0.6 : null;
    target(`GEMM ${sh.M} x ${sh.N} x ${sh.K} (${sh.what}) in Chromium: ${f(sh.gflops, 1)} of ${f(extra.gemm_browser.simd_peak_gflops, 1)} GFLOP/s peak`,
      num(sh.fraction_of_peak, 2), goal === null ? 'reported' : `>= ${goal}`, goal === null ? null : cmp(sh.fraction_of_peak, goal));
  }
} else target('GEMM shapes as fractions of the f32x4 mul+add peak in Chromium', 'not measured', '>= 0.8 square, >= 0.6 im2col', null);
// issue 13, item 3: native bloodcell against PyTorch on OpenBLAS at equal threads, every row
for (const t of ['1 thread', '2 threads']) {
  for (const model of ['fcnn', 'cnn']) {
    const bn = pick(`bloodcell native (${t})`, model), pt = rows.find((r) => r.system.startsWith('pytorch') && r.system.endsWith(`(${t})`) && r.model === model);
    const blas = pt ? pt.config.blas.name : '-';
    v = ratio(bn?.train_img_s, pt?.train_img_s); target(`native ${model} training vs PyTorch (${blas}), ${t}`, num(v, 2, 'x'), '>= 1x', cmp(v, 1));
    v = ratio(bn?.infer_img_s, pt?.infer_img_s); target(`native ${model} inference b256 vs PyTorch (${blas}), ${t}`, num(v, 2, 'x'), '>= 1x', cmp(v, 1));
    v = ratio(pt?.latency_ms, bn?.latency_ms); target(`native ${model} latency vs PyTorch (${blas}), ${t} (their ms / ours)`, num(v, 2, 'x'), '>= 1x', cmp(v, 1));
  }
}
v = extra.app_memory?.heap_mb; target(`peak wasm memory in the app: full .npz opened, CNN trained ${extra.app_memory ? extra.app_memory.steps : '-'} batches (MB)`, num(v, 0), '<= 160', cmp(v, 160, true));
v = extra.memory?.heap_mb; target(`peak wasm memory, bench page: CNN training (batch 64) on the full train split (MB)`, num(v, 0), '<= 160', cmp(v, 160, true));
const pg = extra.page?.single;
v = pg ? (pg.wasm_bytes + pg.js_bytes) / 1048576 : null;
target(`page .wasm + .js, one-thread build (MB; then ${extra.page ? (extra.page.assets_bytes / 1048576).toFixed(2) : '-'} MB of sample and models from assets/ after the first frame)`, num(v, 2), '<= 1.5', cmp(v, 1.5, true));
if (extra.page?.threads) { const pm = extra.page.threads; v = (pm.wasm_bytes + pm.js_bytes) / 1048576; target('page .wasm + .js, threaded build (MB)', num(v, 2), '<= 1.5', cmp(v, 1.5, true)); }
for (const ff of extra.first_frame) target(`first frame on screen, ${ff.server}, ${ff.build} build (ms, median of ${ff.runs_ms.length})`, num(ff.median_ms, 0), '< 1000', cmp(ff.median_ms, 999.999, true));
if (!extra.first_frame.length) target('first frame on screen from a local server (ms)', 'not measured', '< 1000', null);
for (const e of extra.in_page_training) {
  target(`the app training cnn, ${e.build} build (${e.threads} thread${e.threads > 1 ? 's' : ''}, batch ${e.batch}): img/s vs the bench page (${num(e.img_s, 0)} vs ${num(e.bench_img_s, 0)})`, num(e.ratio, 2, 'x'), '>= 0.8x', cmp(e.ratio, 0.8));
  target(`frames/s drawn meanwhile, ${e.build} build`, num(e.fps, 1), '>= 10', cmp(e.fps, 10));
  target(`Pause stops the training, ${e.build} build (ms)`, num(e.pause_ms, 0), '< 100', cmp(e.pause_ms, 99.999, true));
}

if (extra.to_acc.length) {
  out += `\nTime to accuracy (issue 13 item 6): the CLI's recipes, seed 1, until val ACC >= ${toAcc}:\n\n| where | threads | model | seconds | epochs (of) | val ACC | batch, lr |\n|---|---|---|---|---|---|---|\n`;
  for (const x of extra.to_acc) out += `| ${x.where} | ${x.threads} | ${x.model} | ${x.reached ? f(x.seconds, 1) : 'not reached in ' + f(x.seconds, 0)} | ${x.epochs} (${x.of_epochs}) | ${f(x.val_acc, 4)} | ${x.batch}, ${x.lr} |\n`;
}
out += '\nTargets (issues 5 and 13):\n\n| target | measured | goal | |\n|---|---|---|---|\n';
for (const t of targets) out += `| ${t.target} | ${t.value} | ${t.goal} | ${t.reached === null ? (t.goal === 'reported' ? '' : 'not measured') : t.reached ? 'reached' : 'NOT reached'} |\n`;
if (extra.gemm_browser?.shapes) {
  out += `\nGEMM in Chromium, 1 thread (${extra.gemm_browser.backend}), f32x4 mul+add peak ${f(extra.gemm_browser.simd_peak_gflops, 1)} GFLOP/s:\n\n| shape M x N x K | what | GFLOP/s | fraction of peak |\n|---|---|---|---|\n`;
  for (const sh of extra.gemm_browser.shapes) out += `| ${sh.M} x ${sh.N} x ${sh.K} | ${sh.what} | ${f(sh.gflops, 1)} | ${f(sh.fraction_of_peak, 2)} |\n`;
}
if (extra.gemm) {
  out += `\nWASM GEMM under Node (${extra.gemm.backend}), peak ${f(extra.gemm.simd_peak_gflops, 1)} GFLOP/s: ` +
    extra.gemm.shapes.map((s) => `${s.shape} ${s.what} ${s.packed_gflops}/${s.eigen_gflops} GFLOP/s (${f(s.fraction_of_peak, 2)} of peak)`).join('; ') + '\n';
}
console.log(out);
// The file keeps what this run did not measure: the keys other scripts write (time_to_accuracy,
// batch_classify), and with --only the rows and parts of the last run, each marked with its date,
// so that a partial rerun updates the record rather than wiping it.
const resultsFile = path.join(root, 'bench/results.json');
let old = {};
try { old = JSON.parse(await readFile(resultsFile, 'utf8')); } catch { /* a new file */ }
const now = new Date().toISOString();
const fresh = { date: now, chromium: version, seconds, cores: os.cpus().length, cpu: os.cpus()[0].model,
  load_at_end: os.loadavg(), only, rows: rows.map((r) => ({ ...r, measured: now })), ratios, targets, ...extra };
if (only && Array.isArray(old.rows)) {
  const key = (r) => r.system + '|' + r.model;
  const redone = new Set(fresh.rows.map(key));
  fresh.rows = old.rows.filter((r) => !redone.has(key(r))).map((r) => ({ measured: old.date, ...r })).concat(fresh.rows);
}
const kept = Object.fromEntries(Object.entries(old).filter(([k]) => !(k in fresh)));
await writeFile(resultsFile, JSON.stringify({ ...kept, ...fresh }, null, 1) + '\n');
log(`wrote bench/results.json${only ? ' (the parts not rerun kept from ' + (old.date ?? 'nothing') + ')' : ''}`);
