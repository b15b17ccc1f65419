// The web app itself training, as a teacher would run it: the full BloodMNIST opened through the
// page's file chooser, a model at the page's defaults, Start, N seconds of training watched through
// the app's test hook (window.bloodcell.state()). Reports images/s (batches done x batch size over
// wall time, after a warm-up), frames/s drawn meanwhile, and how long Pause takes to stop the run.
// Used by bench/run_all.mjs (`in_page_training` in bench/results.json); also runs alone:
//   node bench/in_page.mjs [--seconds 30] [--model cnn] [--data BLOODMNIST.npz] [--web out/web] [--build single|threads|both]
//     [--query 'worker-threads=1'] (added to the page's address: the threaded build's threads per job)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// playwright-core from the bench's peers (scripts/install_deps.sh --bench) or the e2e tests (--tests)
export function playwright(root) {
  for (const dir of ['bench/peers', 'tests/e2e']) {
    try { return createRequire(path.join(root, dir, 'package.json'))('playwright-core'); } catch { /* next */ }
  }
  throw new Error('playwright-core missing: run scripts/install_deps.sh --tests (or --bench)');
}

// the value after --name on the command line, else def
export function opt(name, def, args = process.argv.slice(2)) {
  const i = args.indexOf('--' + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}

// One static server for the benchmarks: the repository (the bench pages under /bench/, their builds
// under /build-wasm*/), the web bundle under /web/ and the --data file as /data/bloodmnist.npz. HTML
// pages are cross-origin isolated (COOP/COEP) only when their query asks for it (?coi=1): then the app
// picks its threaded build; without, it runs the one-thread build, as from any static server, and the
// TensorFlow.js pages keep their one-thread wasm binary.
export async function startServer(root, webDir, dataFile = null) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
    '.json': 'application/json', '.data': 'application/octet-stream' };
  const server = createServer(async (req, res) => {
    const u = new URL(req.url, 'http://x');
    const url = decodeURIComponent(u.pathname);
    let file = path.join(root, path.normalize(url));
    if (url === '/data/bloodmnist.npz' && dataFile) file = dataFile;
    else if (url.startsWith('/web/')) file = path.join(webDir, path.normalize(url.slice(5)) || 'index.html');
    else if (!file.startsWith(root)) { res.writeHead(403); res.end(); return; }
    if (file.endsWith('/')) file = path.join(file, 'index.html');
    const headers = { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' };
    // the isolated page's subresources (scripts, wasm, workers) carry the headers too
    if (path.extname(file) !== '.html' || u.searchParams.get('coi') === '1') {
      Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'same-origin' });
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch { res.writeHead(404); res.end('not found'); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

// The bench page's training figure for `model` (bench/bloodcell_bench.html: the engine alone, batch 64),
// over 10 s: 4 s windows gave 1,983-2,283 img/s from run to run (threaded), 10 s ones 2,230-2,283.
async function benchPage(browser, base, build, model, log) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/bench/bloodcell_bench.html?build=${build}&models=${model}&seconds=10${build === 'threads' ? '&coi=1' : ''}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 180000, polling: 500 });
    const r = await page.evaluate(() => window.benchResult);
    if (r.error) throw new Error(r.error);
    log(`bench page (${build}, ${r.threads} thread(s)): ${model} trains at ${r.results[0].train_img_s.toFixed(0)} img/s`);
    return r.results[0].train_img_s;
  } catch (e) {
    log(`bench page (${build}) failed: ${e.message.split('\n')[0]}`);
    return null;
  } finally {
    await page.close();
  }
}

// One build: open, load the .npz, train `seconds`, pause. Returns the in_page_training entry.
async function measure(browser, url, { dataFile, model, seconds, warmup, log, viewport = { width: 1280, height: 800 }, tab = 'Train' }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
    await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0, null, { timeout: 120000 });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.evaluate(() => window.bloodcell.pickFiles('.npz', false, 'data'))]);
    await chooser.setFiles(dataFile);
    await page.waitForFunction(() => { const s = window.bloodcell.state(); return s.data.loaded && s.data.splits && s.data.splits.train > 10000; },
      null, { timeout: 180000, polling: 200 });
    const cmd = (c) => page.evaluate((c) => window.bloodcell.command(c), c);
    const state = () => page.evaluate(() => window.bloodcell.state());
    const build = await page.evaluate(() => window.bloodcell.build);
    await cmd('tab:' + tab);
    if (await cmd(`train:model=${model}`)) throw new Error(`cannot select ${model}`);
    const err = await cmd('train:start');
    if (err) throw new Error('train:start: ' + err);
    await sleep(warmup * 1000);
    const s0 = await state(), t0 = Date.now();
    await sleep(seconds * 1000);
    const s1 = await state(), t1 = Date.now();
    if (!s1.train.run || !s1.train.running) throw new Error('training stopped: ' + JSON.stringify(s1.train.run && s1.train.run.error));
    const batch = s1.train.settings.batch;
    // Pause: the command returns once the worker stopped (threads) or at once (one thread); then no
    // batch may be done after it. Measured from the call to the last step count change.
    const p0 = Date.now();
    await cmd('train:pause');
    const pauseCallMs = Date.now() - p0;
    const stepAtPause = (await state()).train.run.step;
    await sleep(500);
    const after = (await state()).train.run.step;
    const wall = (t1 - t0) / 1000;
    const entry = {
      build, model, batch, threads: s1.platform.match(/(\d+) thread/) ? Number(s1.platform.match(/(\d+) thread/)[1]) : null,
      seconds: Number(wall.toFixed(1)), img_s: ((s1.train.run.step - s0.train.run.step) * batch) / wall,
      fps: (s1.frames - s0.frames) / wall, pause_ms: pauseCallMs, steps_after_pause: after - stepAtPause,
      engine_img_s: s1.train.run.images_per_second, frame_ms: s1.frame_ms, work_ms: s1.work_ms, slice_ms: s1.train.slice_ms,
    };
    log(`in-page training (${build}): ${entry.img_s.toFixed(0)} img/s, ${entry.fps.toFixed(1)} frames/s, pause ${pauseCallMs} ms`);
    return entry;
  } finally {
    await ctx.close();
  }
}

// Measures each build; `bench` maps build -> the bench page's img/s for the same model in this run.
export async function inPageTraining(browser, { root, webDir, dataFile, model = 'cnn', seconds = 30, warmup = 5, builds = ['single', 'threads'], log = console.error, viewport, tab, query = '' }) {
  const server = await startServer(root, webDir);
  const out = [];
  try {
    // The bench page's figures first, for every build, before any app page has run. Measured right
    // after an app page (threaded build, cnn, 2026-12-07), its 4 s read 1,416-1,624 img/s in 4 runs
    // of 7 (else 2,087-2,213), against 1,983-2,283 in 6 of 6 from a browser that had run nothing
    // else: the closed app's tab likely still trained for a while. The low figures flattered the ratio.
    const bench = {};
    for (const b of builds) bench[b] = await benchPage(browser, server.base, b, model, log);
    for (const b of builds) {
      try {
        const q = [b === 'threads' ? 'coi=1' : '', query].filter(Boolean).join('&');
        const e = await measure(browser, `${server.base}/web/index.html${q ? '?' + q : ''}`, { dataFile, model, seconds, warmup, log, viewport, tab });
        if (query) e.query = query;
        if (e.build !== b) throw new Error(`the page ran its '${e.build}' build`);
        e.bench_img_s = bench[b];
        e.ratio = e.bench_img_s ? e.img_s / e.bench_img_s : null;
        out.push(e);
      } catch (e) { log(`in-page training (${b}) failed: ${e.message.split('\n')[0]}`); }
    }
  } finally {
    server.close();
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { chromium } = playwright(root);
  const build = opt('build', 'both');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--no-first-run'] });
  try {
    const r = await inPageTraining(browser, { root, webDir: path.resolve(opt('web', path.join(root, 'out/web'))),
      dataFile: path.resolve(opt('data', path.join(root, '../shared/data/bloodmnist.npz'))), model: opt('model', 'cnn'),
      seconds: Number(opt('seconds', 30)), tab: opt('tab', 'Train'), query: opt('query', ''),
      viewport: { width: Number(opt('width', 1280)), height: Number(opt('height', 800)) }, builds: build === 'both' ? ['single', 'threads'] : [build] });
    console.log(JSON.stringify(r, null, 1));
  } finally {
    await browser.close();
  }
}
