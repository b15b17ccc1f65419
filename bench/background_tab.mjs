// The one-thread page training while another tab is in front (issue 11 item 9): Chromium then gives
// the page's window one display refresh a second, so work done only in refreshes slows ~10x. Headed
// Chromium (headless never puts a page behind another), so it runs under Xvfb:
//   xvfb-run -a node bench/background_tab.mjs [--web out/web] [--query coi=1]
// Prints batches/s and frames/s visible, with another tab in front, and visible again (cnn on the
// teaching set, the page's defaults otherwise).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { playwright, startServer, opt } from './in_page.mjs';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = playwright(root);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: false,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-first-run'] });
const server = await startServer(root, path.resolve(opt('web', path.join(root, 'out/web'))));
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await ctx.newPage();
const query = opt('query', '');  // coi=1: cross-origin isolated, the threaded build
await page.goto(`${server.base}/web/index.html${query ? '?' + query : ''}`, { waitUntil: 'load' });
await page.waitForFunction(() => window.bloodcell && window.bloodcell.running, null, { timeout: 120000 });
await page.waitForFunction(() => window.bloodcell.state().assets.pending.length === 0 && window.bloodcell.state().data.loaded, null, { timeout: 120000 });
const cmd = (c) => page.evaluate((c) => window.bloodcell.command(c), c);
await cmd('tab:Train'); await cmd('train:model=cnn'); await cmd('train:epochs=30'); await cmd('train:start');
await new Promise((r) => setTimeout(r, 4000));
const rate = async (label) => {
  const a = await page.evaluate(() => [window.bloodcell.state().train.run.step, window.bloodcell.state().frames, document.visibilityState]);
  const t0 = Date.now(); await new Promise((r) => setTimeout(r, 8000));
  const b = await page.evaluate(() => [window.bloodcell.state().train.run.step, window.bloodcell.state().frames, document.visibilityState]);
  const s = (Date.now() - t0) / 1000;
  console.log(`${label}: ${a[2]} -> ${b[2]}, ${((b[0] - a[0]) / s).toFixed(2)} batches/s, ${((b[1] - a[1]) / s).toFixed(1)} frames/s`);
};
await rate('visible');
const other = await ctx.newPage(); await other.goto('about:blank'); await other.bringToFront();
await new Promise((r) => setTimeout(r, 1000));
await rate('another tab in front');
await page.bringToFront();
await new Promise((r) => setTimeout(r, 1000));
await rate('visible again');
await browser.close(); server.close();
