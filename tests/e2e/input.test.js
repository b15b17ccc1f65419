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
      assert(JSON.stringify(s.layout.tabs) === JSON.stringify(before.layout.tabs),
             'the tabs moved: ' + JSON.stringify(before.layout.tabs[0]) + ' -> ' + JSON.stringify(s.layout.tabs[0]));
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
      let s = await h.until((s) => s.train.running);
      assert(s.train.running && s.tab === 'Train', 'Ctrl+Enter did not start training: ' + JSON.stringify(s.train.run));
      await page.keyboard.press('Control+Enter');
      s = await h.until((s) => !s.train.running);
      assert(!s.train.running && s.train.run, 'Ctrl+Enter did not pause training');
    });
  });

  finish();
}

main().catch((e) => finish(e));
