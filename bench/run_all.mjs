#!/usr/bin/env node
// One command, one run: bloodcell beside its peers on identical architectures and batch size (64).
//   bloodcell WebAssembly in headless Chromium (bench/bloodcell_bench.html), TensorFlow.js 4.22 in the
//   same browser session (wasm+SIMD and cpu backends), bloodcell natively (`bloodcell bench --json`)
//   and PyTorch natively (Debian python3-torch), one thread each, so the ratios compare like with like.
// Prints one table with the ratios and writes bench/results.json. Figures drift on a shared machine:
// read the ratios, which come from one run. Usage: node bench/run_all.mjs [--seconds S]
import { createServer } from 'node:http';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'bench/peers/package.json'));
const { chromium } = require('playwright-core');
const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 0) || 6;

const mime = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.data': 'application/octet-stream' };
function serve() {
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, path.normalize(url));
    if (!file.startsWith(root)) { res.writeHead(403); res.end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': mime[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch { res.writeHead(404); res.end('not found'); }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function exists(p) { try { await stat(path.join(root, p)); return true; } catch { return false; } }

async function browserRun(page, url, timeoutS) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: timeoutS * 1000 });
  const r = await page.evaluate(() => window.benchResult);
  if (r.error) throw new Error(r.error + (errors.length ? ` (${errors.join('; ')})` : ''));
  return r;
}

const rows = [];  // {system, model, train_img_s, infer_img_s, latency_ms, mem_mb, note}
function add(system, r, mem, note) {
  for (const m of r.results) rows.push({ system, model: m.model, train_img_s: m.train_img_s, infer_img_s: m.infer_img_s,
    latency_ms: m.latency_ms, gflops: m.train_gflops, mem_mb: m.peak_mb ?? mem, note: m.train_error ? 'cannot train: ' + m.train_error.slice(0, 60) : note });
}

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const version = browser.version();
try {
  if (await exists('build-wasm/bench_web.js')) {
    const page = await browser.newPage();
    process.stderr.write('bloodcell wasm in Chromium...\n');
    add('bloodcell wasm (Chromium)', await browserRun(page, `${base}/bench/bloodcell_bench.html?seconds=${seconds}`, 40 * seconds), null, '');
    await page.close();
  } else {
    process.stderr.write('build-wasm/bench_web.js missing: build it with build_wasm.sh; skipping bloodcell in Chromium\n');
  }
  for (const backend of ['wasm', 'cpu']) {
    const page = await browser.newPage();
    process.stderr.write(`tfjs ${backend} in Chromium...\n`);
    // the cpu backend trains the CNN at a few images/s: give it fewer seconds and still one batch
    const s = backend === 'cpu' ? Math.max(2, seconds / 3) : seconds;
    const r = await browserRun(page, `${base}/bench/peers/tfjs.html?backend=${backend}&seconds=${s}`, 120 + 40 * s);
    add(`tfjs ${r.version} ${backend}${backend === 'wasm' && r.simd ? '+simd' : ''} (Chromium)`, r, null, '');
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}

function native(cmd, argv, label) {
  try {
    process.stderr.write(`${label}...\n`);
    return JSON.parse(execFileSync(cmd, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }));
  } catch (e) { process.stderr.write(`${label} failed: ${e.message.split('\n')[0]}\n`); return null; }
}
const bcNative = (await exists('build/bloodcell')) ? native(path.join(root, 'build/bloodcell'), ['bench', '--json', '--threads', '1', '--seconds', String(seconds)], 'bloodcell native') : null;
if (bcNative) add('bloodcell native (1 thread)', bcNative, null, '');
const torch = native('/usr/bin/python3', [path.join(root, 'bench/peers/torch_bench.py'), '--threads', '1', '--seconds', String(seconds)], 'pytorch native');
if (torch) add(`pytorch ${torch.version} native (1 thread)`, torch, torch.peak_rss_mb, '');

// ---- table ------------------------------------------------------------------------------------------
const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const pick = (sys, model) => rows.find((r) => r.system.startsWith(sys) && r.model === model);
let out = `Chromium ${version}; batch 64 for training, 256 for inference; one thread each; ${seconds}s per figure\n\n`;
out += '| system | model | train img/s | infer img/s (b256) | latency ms (1 img) | train GFLOP/s | memory MB | note |\n|---|---|---|---|---|---|---|---|\n';
for (const r of rows) out += `| ${r.system} | ${r.model} | ${f(r.train_img_s)} | ${f(r.infer_img_s)} | ${f(r.latency_ms, 3)} | ${f(r.gflops, 1)} | ${f(r.mem_mb)} | ${r.note || ''} |\n`;
const ratios = [];
for (const model of ['fcnn', 'cnn']) {
  const bc = pick('bloodcell wasm', model), bn = pick('bloodcell native', model);
  for (const peer of ['tfjs', 'pytorch']) {
    for (const p of rows.filter((r) => r.system.startsWith(peer) && r.model === model)) {
      const mine = peer === 'pytorch' ? [bc, bn] : [bc];
      for (const b of mine.filter(Boolean)) {
        ratios.push({ model, ours: b.system, peer: p.system,
          train: b.train_img_s && p.train_img_s ? b.train_img_s / p.train_img_s : null,
          infer: b.infer_img_s && p.infer_img_s ? b.infer_img_s / p.infer_img_s : null,
          latency: b.latency_ms && p.latency_ms ? p.latency_ms / b.latency_ms : null });
      }
    }
  }
}
out += '\nRatios (ours / peer; > 1 means bloodcell is faster):\n\n| model | ours | peer | training | inference | latency |\n|---|---|---|---|---|---|\n';
for (const r of ratios) out += `| ${r.model} | ${r.ours} | ${r.peer} | ${f(r.train, 2)}x | ${f(r.infer, 2)}x | ${f(r.latency, 2)}x |\n`;
console.log(out);
await writeFile(path.join(root, 'bench/results.json'), JSON.stringify({ date: new Date().toISOString(), chromium: version, seconds, rows, ratios }, null, 1));
process.stderr.write('wrote bench/results.json\n');
