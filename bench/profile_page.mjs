// `bloodcell profile` in headless Chromium (the bench page, bench/bloodcell_bench.html?profile=1): each
// layer's forward and backward time in a training step of the WebAssembly build, one thread and the
// threaded build at 2 threads, so that what does not scale across threads in the browser shows layer
// by layer (natively: `build/bloodcell profile --model cnn --threads N`).
// Usage: node bench/profile_page.mjs [--model cnn] [--seconds 3] [--infer 1] [--batch B] [--threads 1,2]
// (--infer 1 --batch 1: where a single image's latency goes)
// (the builds: scripts/bench.sh, or cmake --build --preset wasm-bench and wasm-threads-bench)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { playwright, startServer, opt } from './in_page.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = playwright(root);
const model = opt('model', 'cnn'), seconds = opt('seconds', '3'), infer = opt('infer', '0') === '1', batch = opt('batch', null);
const server = await startServer(root, path.join(root, 'out/web'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  for (const t of opt('threads', '1,2').split(',').map(Number)) {
    const build = t > 1 ? `threads&coi=1&threads=${t}` : 'single';
    const page = await browser.newPage();
    await page.goto(`${server.base}/bench/bloodcell_bench.html?build=${build}&profile=1&models=${model}&seconds=${seconds}${infer ? '&infer=1' : ''}${batch ? '&batch=' + batch : ''}`,
                    { waitUntil: 'commit' });
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 300000, polling: 500 });
    const r = await page.evaluate(() => window.benchResult);
    console.log(r.error ? `${t} thread(s): ${r.error}` : r.profile);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
