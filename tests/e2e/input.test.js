// Real input in the page (issue 15): the mouse wheel, clicks without a hover first, touch taps, the
// keyboard (Tab, Enter, shortcuts), and a notice that must not move the tabs. Input goes through
// playwright's mouse, touchscreen and keyboard (CDP input events, as a user's), never the test hook;
// the effect is read from the app's state (window.bloodcell.state(): layout rectangles in canvas
// pixels, the gallery's scroll, the keyboard focus, the open tab).
// Usage: BLOODCELL_URL=http://127.0.0.1:PORT/ node input.test.js   (tests/e2e/run.sh sets it up)
'use strict';
const fs = require('fs');
const path = require('path');
const { SHOTS, check, assert, sleep, finish, openApp } = require('./harness');

const URL_ = process.env.BLOODCELL_URL || 'http://127.0.0.1:8080/';
const TABS = ['Classify', 'Data', 'Features', 'Train', 'Compare', 'Log'];

// A fresh browser (options: viewport, hasTouch, ...), the page loaded with its assets; fn(page, h)
// gets helpers: state, command, frames(n), center(rect) in CSS pixels, shot(name).
async function withPage(options, fn) {
  const h = await openApp(URL_, options);
  try {
    await fn(h.page, h);
    assert(h.errors.length === 0, 'console errors: ' + h.errors.join(' | '));
  } finally {
    await h.close();
  }
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });

  await check('mouse wheel over the Data gallery: one notch down scrolls down a little, one up scrolls back', async () => {
    await withPage({}, async (page, h) => {
      await h.command('tab:Data');
      let s = await h.until((s) => s.tab === 'Data' && s.layout.gallery[2] > 0 && s.data.gallery_scroll_max > 0);
      assert(s.data.gallery_scroll_max > 0, 'the gallery does not scroll at 1280x800: ' + JSON.stringify(s.layout));
      const c = h.center(s.layout.gallery);
      await page.mouse.move(c.x, c.y);
      await h.frames(2);
      assert((await h.state()).data.gallery_scroll === 0, 'scrolled before the wheel');
      await page.mouse.wheel(0, 100);  // one notch down, as Chromium reports it (100 px)
      s = await h.until((s) => s.data.gallery_scroll !== 0);
      const down = s.data.gallery_scroll;
      assert(down >= 20 && down <= 200, `one notch down scrolled ${down} px (want 20..200 px down; max ${s.data.gallery_scroll_max})`);
      await page.mouse.wheel(0, -100);
      s = await h.until((s) => s.data.gallery_scroll !== down);
      assert(s.data.gallery_scroll === 0, 'one notch up went to ' + s.data.gallery_scroll + ', want back to 0');
      await page.mouse.wheel(0, -100);  // at the top: up stays there (it used to jump to the end)
      await h.frames(4);
      assert((await h.state()).data.gallery_scroll === 0, 'a notch up at the top moved the gallery');
      console.log(`     one notch: ${down} px of ${s.data.gallery_scroll_max}`);
    });
  });

  await check('mouse clicks on the tabs with no hover before each: every click opens its tab', async () => {
    await withPage({}, async (page, h) => {
      const s0 = await h.state();
      const order = ['Data', 'Features', 'Train', 'Compare', 'Classify', 'Log', 'Data', 'Compare'];
      const missed = [];
      for (const name of order) {
        const c = h.center(s0.layout.tabs[TABS.indexOf(name)]);
        await page.mouse.click(c.x, c.y);  // one move (a jump) and the press, no hover first
        const s = await h.until((s) => s.tab === name, 3000);
        if (s.tab !== name) missed.push(`${name} (got ${s.tab})`);
      }
      assert(missed.length === 0, 'clicks lost: ' + missed.join(', '));
    });
  });

  await check('touch: tapping the tabs Data, Features, Train, Compare opens each in turn', async () => {
    await withPage({ hasTouch: true }, async (page, h) => {
      const s0 = await h.state();
      const got = [];
      for (const name of ['Data', 'Features', 'Train', 'Compare', 'Classify']) {
        const c = h.center(s0.layout.tabs[TABS.indexOf(name)]);
        await page.touchscreen.tap(c.x, c.y);
        got.push((await h.until((s) => s.tab === name, 3000)).tab);
      }
      assert(got.join(',') === 'Data,Features,Train,Compare,Classify', 'taps opened ' + got.join(', '));
    });
  });

  await check('a notice shows over the layout: the tabs stay where they were and take clicks', async () => {
    await withPage({}, async (page, h) => {
      const before = await h.state();
      assert(before.layout.notice[2] === 0, 'a notice already shows: ' + before.notice);
      await page.evaluate(() => window.bloodcell.openBytes('notes.txt', new TextEncoder().encode('not a zip'), 'data'));
      const s = await h.until((s) => s.layout.notice[2] > 0);
      assert(/not an \.npz/.test(s.notice) && s.layout.notice[2] > 0, 'no notice: ' + s.notice);
      // The Log tab's label gains the error count ("Log (1)"), a frame after the notice or in the
      // same one, so its width may change; every tab's place and every other tab's size may not.
      const fixed = (tabs) => tabs.map((r, i) => (TABS[i] === 'Log' ? r.slice(0, 2).concat([r[3]]) : r));
      assert(JSON.stringify(fixed(s.layout.tabs)) === JSON.stringify(fixed(before.layout.tabs)),
             'the tabs moved: ' + JSON.stringify(before.layout.tabs) + ' -> ' + JSON.stringify(s.layout.tabs));
      const tabBottom = Math.max(...s.layout.tabs.map((r) => r[1] + r[3]));
      assert(s.layout.notice[1] > tabBottom, 'the notice covers the tabs: ' + s.layout.notice);
      await h.shot('20-notice-1280x800');
      const c = h.center(s.layout.tabs[TABS.indexOf('Train')]);
      await page.mouse.click(c.x, c.y);
      assert((await h.until((s) => s.tab === 'Train')).tab === 'Train', 'a click on Train while the notice shows missed');
      await page.setViewportSize({ width: 800, height: 600 });
      await page.evaluate(() => window.bloodcell.openBytes('notes.txt', new TextEncoder().encode('not a zip'), 'data'));
      await h.shot('21-notice-800x600');
    });
  });

  await check('keyboard: Tab moves a visible focus through the tabs, Enter opens one; arrows never frame a whole panel', async () => {
    await withPage({}, async (page, h) => {
      let s = await h.state();
      const tabs = s.layout.tabs;
      const same = (a, b) => a && b && Math.abs(a[0] - b[0]) < 2 && Math.abs(a[1] - b[1]) < 2 && Math.abs(a[2] - b[2]) < 2;
      assert(!s.focus.visible, 'a keyboard focus shows before any key');
      await page.keyboard.press('Tab');
      s = await h.until((s) => s.focus.visible);
      assert(s.focus.visible && same(s.focus.rect, tabs[0]), 'Tab: focus on ' + JSON.stringify(s.focus) + ', want the Classify tab ' + tabs[0]);
      await page.keyboard.press('Tab');
      s = await h.until((s) => same(s.focus.rect, tabs[1]));
      assert(same(s.focus.rect, tabs[1]), 'second Tab: focus on ' + JSON.stringify(s.focus.rect) + ', want the Data tab ' + tabs[1]);
      await page.keyboard.press('Shift+Tab');
      s = await h.until((s) => same(s.focus.rect, tabs[0]));
      assert(same(s.focus.rect, tabs[0]), 'Shift+Tab: focus on ' + JSON.stringify(s.focus.rect));
      await page.keyboard.press('Tab');
      await h.until((s) => same(s.focus.rect, tabs[1]));
      await page.keyboard.press('Enter');
      s = await h.until((s) => s.tab === 'Data');
      assert(s.tab === 'Data', 'Enter on the Data tab opened ' + s.tab);
      await h.shot('22-keyboard-focus');
      // arrows move between items; the focus frame is never a whole panel
      const vw = 1280 * h.dpr, vh = 800 * h.dpr;
      const seen = new Set();
      for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowDown', 'ArrowDown', 'ArrowLeft', 'ArrowUp']) {
        await page.keyboard.press(key);
        await h.frames(2);
        s = await h.state();
        assert(s.focus.visible, key + ': the focus disappeared');
        const r = s.focus.rect;
        assert(r[2] * r[3] < 0.1 * vw * vh, `${key}: the focus frames ${Math.round(r[2])}x${Math.round(r[3])} px, a whole panel`);
        seen.add(r.map(Math.round).join(','));
      }
      assert(seen.size >= 3, 'the arrows moved the focus to only ' + seen.size + ' places');
    });
  });

  await check('keyboard shortcuts: Ctrl+3 opens Features, Ctrl+O the file chooser, Ctrl+Enter starts and pauses training', async () => {
    await withPage({}, async (page, h) => {
      await page.keyboard.press('Control+3');
      assert((await h.until((s) => s.tab === 'Features')).tab === 'Features', 'Ctrl+3 did not open Features');
      await page.keyboard.press('Control+5');
      assert((await h.until((s) => s.tab === 'Compare')).tab === 'Compare', 'Ctrl+5 did not open Compare');
      // (the chooser is intercepted once a listener is set: set it, let that reach the browser, then press)
      const chooserEvent = page.waitForEvent('filechooser', { timeout: 5000 });
      await sleep(200);
      await page.keyboard.press('Control+O');
      const chooser = await chooserEvent;
      assert(chooser.isMultiple(), 'the file chooser does not take several images');
      assert((await h.until((s) => s.tab === 'Classify')).tab === 'Classify', 'Ctrl+O did not show Classify');
      assert(await h.command('train:model=fcnn') === '', 'cannot pick fcnn');
      await page.keyboard.press('Control+Enter');
      // (the frame that takes the key starts the run; the Train tab shows from the next one, and the
      // state can be read between the two)
      let s = await h.until((s) => s.train.running && s.tab === 'Train');
      assert(s.train.running && s.tab === 'Train', 'Ctrl+Enter did not start training: ' + JSON.stringify(s.train.run));
      await page.keyboard.press('Control+Enter');
      s = await h.until((s) => !s.train.running);
      assert(!s.train.running && s.train.run, 'Ctrl+Enter did not pause training');
    });
  });

  await check('a slider dragged by the mouse: its value stays readable where the grab passes under it', async () => {
    await withPage({}, async (page, h) => {
      await page.keyboard.press('Control+4');
      const s0 = await h.until((s) => s.tab === 'Train' && s.layout.items['slider ##fps']);
      const r = s0.layout.items['slider ##fps'];  // the value text's rectangle, canvas pixels
      assert(r, 'no value rectangle for the frames/s slider: ' + Object.keys(s0.layout.items).join(', '));
      // press on the middle of the text (the slider jumps there: the grab lies under the text), move a
      // little, and look while the button is held (the grab of an active slider is the brightest)
      const c = h.center(r);
      await page.mouse.move(c.x, c.y);
      await h.frames(2);
      await page.mouse.down();
      await page.mouse.move(c.x + 2, c.y);
      await h.frames(3);
      const s1 = await h.state();
      const png = await page.screenshot({ clip: { x: r[0] / h.dpr, y: r[1] / h.dpr, width: r[2] / h.dpr, height: r[3] / h.dpr } });
      await page.mouse.up();
      // in the columns the grab covers (+-3 px around the pointer): the text's brightest pixel against
      // the background (the median), as WCAG's contrast ratio
      const ratio = await page.evaluate(async ([b64, x0, w]) => {
        const img = new Image();
        img.src = 'data:image/png;base64,' + b64;
        await img.decode();
        const cv = document.createElement('canvas');
        cv.width = img.width; cv.height = img.height;
        const g = cv.getContext('2d');
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, img.width, img.height).data;
        const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        const L = [];
        const a = Math.max(0, Math.round(x0 - 3 * img.width / w)), z = Math.min(img.width, Math.round(x0 + 4 * img.width / w));
        for (let y = 0; y < img.height; y++)
          for (let x = a; x < z; x++) {
            const i = (y * img.width + x) * 4;
            L.push(0.2126 * lin(d[i]) + 0.7152 * lin(d[i + 1]) + 0.0722 * lin(d[i + 2]));
          }
        L.sort((p, q) => p - q);
        return (L[L.length - 1] + 0.05) / (L[L.length >> 1] + 0.05);
      }, [png.toString('base64'), (c.x + 2) * h.dpr - r[0], r[2]]);
      // the press moved the value to the middle of 2..30: the grab is under the text's centre
      assert(s1.pacing.busy_fps > 10 && s1.pacing.busy_fps < 22, 'the press did not move the slider to its middle: ' + s1.pacing.busy_fps);
      assert(ratio >= 4.5, `the value under the dragged grab has a contrast of ${ratio.toFixed(2)}:1 (want >= 4.5:1)`);
      console.log(`     contrast of the value over the dragged grab ${ratio.toFixed(2)}:1`);
    });
  });

  finish();
}

main().catch((e) => finish(e));
