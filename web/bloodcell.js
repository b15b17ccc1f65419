// Page glue for the bloodcell WebAssembly app: checks for WebAssembly and WebGL2, downloads the
// .wasm with a progress bar, starts the Emscripten runtime (bloodcell_web.js), and moves files
// between the page and the app: the file picker and drag and drop pass bytes into the wasm through
// the exported bc_open_file; downloads come back through window.bloodcell.download.
// Tests read the app's state with window.bloodcell.state() (JSON from bc_state_json).
// The .wasm holds only what the first frame needs: the sample data and the pretrained models are
// files in assets/ next to the page, downloaded right after the .wasm (while it compiles) and handed
// to the app once it has drawn its first frame (bc_open_file with purpose 'asset'); the app names them
// on its command line (--assets-later) so it can say they are loading, and a failed download reaches
// it through bc_asset_failed. window.bloodcell.assets tells tests where each one is.
// Two builds: bloodcell_web_mt (threads, needs SharedArrayBuffer, so a cross-origin isolated page:
// COOP/COEP headers as scripts/serve.js sends) is used when the page is isolated and its files are
// on the server; bloodcell_web (one thread) otherwise, on any static server. window.bloodcell.build
// says which one runs ('threads' or 'single'); the app's Log tab says it too.
// The Classify tab's review session survives a reload or a closed tab: the app hands its bytes to
// storeSession whenever it changes, kept in IndexedDB (database 'bloodcell', store 'sessions', key
// 'review'); at start the page reads them back and gives them to the app (bc_restore_session). A saved
// session the app cannot read is kept under its own key (setAsideSession), never dropped.
// window.bloodcell.session counts the stores (tests wait for pending === 0 before reloading).
// The address's fragment (#v=1&model=...) holds the Train tab's settings as a run's link: the app gets
// the fragment it was opened with on its command line (--link), keeps the fragment in step with the
// settings (setLink: history.replaceState, so no reload and no history entry), and gets a fragment the
// user changes in the address bar through bc_open_link. copyLink puts the page's address with a run's
// settings on the clipboard (window.bloodcell.copied: the last one, for tests).
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);

  function showMessage(text) {
    $('loading').style.display = 'none';
    $('message-text').textContent = text;
    $('message').style.display = 'flex';
  }

  function setProgress(frac, text) {
    $('progress').style.width = Math.round(Math.max(0, Math.min(1, frac)) * 100) + '%';
    if (text) $('status').textContent = text;
  }

  // The heap as bytes. With threads and a growable heap, another thread may have grown the memory
  // and Module.HEAPU8 may still view the old buffer.
  function heapU8() {
    const mem = Module.wasmMemory;
    if (mem && Module.HEAPU8.buffer !== mem.buffer) return new Uint8Array(mem.buffer);
    return Module.HEAPU8;
  }

  // Served next to the page, in the order the app gets them. The first pretrained model to arrive is
  // the one Classify uses, so vgg6_w16 (a row in the Compare tab) is downloaded after vgg6_w32.
  const ASSETS = [
    { name: 'teaching.npz' },
    { name: 'vgg6_w32.bcm' },
    { name: 'vgg6_w16.bcm', after: 'vgg6_w32.bcm' },
  ];

  // [SECTION] IndexedDB: the review session
  const DB_NAME = 'bloodcell', DB_STORE = 'sessions', SESSION_KEY = 'review';
  const db = new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') { reject(new Error('this browser has no IndexedDB')); return; }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(DB_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error('IndexedDB did not open'));
  });
  db.catch(() => {});  // reported when used
  function dbRequest(mode, fn) {
    return db.then((d) => new Promise((resolve, reject) => {
      const tx = d.transaction(DB_STORE, mode);
      const req = fn(tx.objectStore(DB_STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction failed'));
    }));
  }
  const savedSession = dbRequest('readonly', (st) => st.get(SESSION_KEY));
  savedSession.catch(() => {});

  const api = {
    running: false,          // true once the app's main() has set everything up
    assets: {},              // name -> 'waiting', 'downloading', 'downloaded', 'delivered' or 'failed: why'
    times: {},               // performance.now() at each step of the start (what the first frame waits for)
    build: null,             // 'threads' or 'single' once chosen
    firstFrameMs: null,      // performance.now() when the app drew its first frame
    fatal(text) { showMessage(text); },
    state() { return api.running ? JSON.parse(Module.UTF8ToString(Module._bc_state_json())) : null; },
    command(cmd) { return api.running ? Module.ccall('bc_command', 'string', ['string'], [cmd]) : 'not ready'; },
    openBytes(name, bytes, purpose) {
      if (!api.running) return;
      const p = Module._malloc(Math.max(1, bytes.length));
      heapU8().set(bytes, p);
      Module.ccall('bc_open_file', null, ['string', 'string', 'number', 'number'], [name, purpose || '', p, bytes.length]);
      Module._free(p);
    },
    // Files are read 64 at a time, as one Blob cut into them afterwards: read one by one, each file
    // cost the page's thread a blob reader, a data pipe and a promise (~0.3 ms of a 1,000-file drop in
    // Chromium, while the batch it starts was running). The groups are read at once but handed over in
    // the order of the drop, so a duplicate names the earlier file and a Cancel keeps the first rows
    // (in the order they finished reading, a repeated file could be kept and its original listed). A
    // group that cannot be read (a file changed or went away since it was picked) is read file by
    // file, so the error names the file.
    openFiles(files, purpose) {
      const each = async (group) => {
        for (const f of group) {
          try {
            api.openBytes(f.name, new Uint8Array(await f.arrayBuffer()), purpose);
          } catch (err) {
            Module.ccall('bc_log_error', null, ['string'], [f.name + ': could not be read (' + err + ')']);
          }
        }
      };
      let order = Promise.resolve();
      for (let i = 0; i < files.length; i += 64) {
        const group = files.slice(i, i + 64);
        const read = new Blob(group).arrayBuffer();
        read.catch(() => {});  // (answered in its turn below)
        order = order.then(() => read.then((buf) => {
          if (buf.byteLength !== group.reduce((n, f) => n + f.size, 0)) return each(group);
          let at = 0;
          for (const f of group) {
            api.openBytes(f.name, new Uint8Array(buf, at, f.size), purpose);
            at += f.size;
          }
        }, () => each(group)));
      }
    },
    pickFiles(accept, multiple, purpose) {
      const input = $('picker');
      input.accept = accept || '';
      input.multiple = !!multiple;
      input.value = '';
      input.onchange = () => { if (input.files && input.files.length) api.openFiles(Array.from(input.files), purpose); };
      input.click();
    },
    // A folder of labelled images (class folders): every file with its path from the folder's parent
    // ('cells/neutrophil/a.jpg'), read in order, then the folder's end ('labelled-end').
    // files: [{file, path}].
    openFolder(files, name) {
      const next = (i) => {
        if (i >= files.length) { api.openBytes(name, new Uint8Array(0), 'labelled-end'); return; }
        files[i].file.arrayBuffer().then(
          (buf) => { api.openBytes(files[i].path, new Uint8Array(buf), 'labelled'); next(i + 1); },
          (err) => { Module.ccall('bc_log_error', null, ['string'], [files[i].path + ': could not be read (' + err + ')']); next(i + 1); });
      };
      next(0);
    },
    pickFolder() {
      const input = $('folder-picker');
      input.value = '';
      input.onchange = () => {
        const files = Array.from(input.files || []);
        if (!files.length) return;
        const name = (files[0].webkitRelativePath || files[0].name).split('/')[0];
        api.openFolder(files.map((f) => ({ file: f, path: f.webkitRelativePath || f.name })), name);
      };
      input.click();
    },
    session: { stored: 0, pending: 0, restored: false, error: '' },
    storeSession(bytes) {
      api.session.pending++;
      dbRequest('readwrite', (st) => st.put(bytes, SESSION_KEY)).then(
        () => { api.session.stored++; },
        (err) => {
          api.session.error = String(err && err.message ? err.message : err);
          Module.ccall('bc_log_error', null, ['string'], ['Could not keep the review session in this browser (' + api.session.error + ')']);
        }).finally(() => { api.session.pending--; });
    },
    setAsideSession(key, bytes) {
      dbRequest('readwrite', (st) => st.put(bytes, key)).catch((err) => console.warn('set aside ' + key + ': ' + err));
      return 1;
    },
    download(name, bytes) {
      const blob = new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    },
  };
  // The assets: downloaded in ASSETS order (one waits for its `after`), handed to the app once it has
  // drawn its first frame (so parsing them never delays it), in ASSETS order.
  const assetBytes = {};
  for (const a of ASSETS) api.assets[a.name] = 'waiting';
  function deliverAssets() {
    if (!api.running || api.firstFrameMs === null) return;
    for (const a of ASSETS) {
      const st = api.assets[a.name];
      if (st === 'downloaded') {
        api.assets[a.name] = 'delivered';
        const bytes = assetBytes[a.name];
        delete assetBytes[a.name];
        api.openBytes(a.name, bytes, 'asset');
      } else if (st.startsWith('failed: ') && !a.reported) {
        a.reported = true;
        Module.ccall('bc_asset_failed', null, ['string', 'string'], [a.name, st.slice(8)]);
      }
    }
  }
  function fetchAssets() {
    const settled = {};
    for (const a of ASSETS) {
      const start = async () => {
        api.assets[a.name] = 'downloading';
        try {
          const res = await fetch('assets/' + a.name);
          if (!res.ok) throw new Error('HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
          assetBytes[a.name] = new Uint8Array(await res.arrayBuffer());
          api.assets[a.name] = 'downloaded';
        } catch (err) {
          api.assets[a.name] = 'failed: ' + (err && err.message ? err.message : String(err));
        }
        deliverAssets();
      };
      const before = a.after && settled[a.after];
      settled[a.name] = before ? before.then(start) : start();
    }
  }

  // called by the app after its first frame is drawn
  api.firstFrame = () => {
    if (api.firstFrameMs !== null) return;
    api.firstFrameMs = performance.now();
    mark('firstFrame');
    setTimeout(deliverAssets, 0);  // after this frame is on screen
  };
  // The saved review session to the app (it stores nothing before it has it).
  function restoreSession() {
    const give = (bytes) => {
      const n = bytes ? bytes.length : 0;
      const p = Module._malloc(Math.max(1, n));
      if (n) heapU8().set(bytes, p);
      Module.ccall('bc_restore_session', null, ['number', 'number'], [p, n]);
      Module._free(p);
      api.session.restored = true;
    };
    savedSession.then((v) => give(v ? new Uint8Array(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v) : null),
      (err) => {
        give(null);
        Module.ccall('bc_log_error', null, ['string'], ['Could not read the saved review session (' + (err && err.message ? err.message : err) + ')']);
      });
  }
  // a hidden page may be closed without another frame: store the session's last change now
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && api.running) Module.ccall('bc_flush_session', null, [], []);
  });

  // [SECTION] the run's settings in the address (the app's link)
  api.link = location.hash.slice(1);  // the fragment as the app last set it (or as the page was opened)
  api.copied = null;
  api.setLink = (text) => {
    api.link = text;
    history.replaceState(history.state, '', '#' + text);
  };
  api.copyLink = (text) => {
    const url = location.href.split('#')[0] + '#' + text;
    api.copied = url;
    const fallback = () => {
      const t = document.createElement('textarea');
      t.value = url;
      document.body.appendChild(t);
      t.select();
      try { document.execCommand('copy'); } catch (e) { /* the Log has the settings */ }
      t.remove();
      $('canvas').focus();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).catch(fallback);
    else fallback();
  };
  window.addEventListener('hashchange', () => {
    const h = location.hash.slice(1);
    if (!api.running || h === api.link) return;
    api.link = h;
    Module.ccall('bc_open_link', null, ['string'], [h]);
  });

  // called by the app's main() once it is initialized
  api.started = () => {
    mark('started');
    api.running = true;
    restoreSession();
    $('loading').style.display = 'none';
    $('canvas').focus();
  };
  window.bloodcell = api;
  const mark = (what) => { api.times[what] = Math.round(performance.now()); };
  mark('script');

  // Which build to load: asked of the server now, so the answer travels while the WebGL2 check runs.
  const buildChoice = (typeof WebAssembly === 'object') ? pickBuild() : null;

  // Feature checks: a plain message instead of a blank page.
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    showMessage('This browser does not support WebAssembly.');
    return;
  }
  // The probe is the app's own context: Emscripten's GLFW later asks this canvas for a WebGL2 context
  // and gets this one back, so the check costs no second context (with SwiftShader, 0.1-0.7 s before
  // the first frame). ImGui needs no multisampling, depth or stencil buffer, and the canvas is opaque:
  // without them the browser composes each frame with less work (with SwiftShader, idle at
  // 1280x800: 12 frames/s instead of 10 for the same CPU).
  if (!$('canvas').getContext('webgl2', { antialias: false, depth: false, stencil: false, alpha: false })) {
    showMessage('This browser (or its graphics settings) does not provide WebGL2.');
    return;
  }
  mark('webgl2');

  // The app's keyboard shortcuts (Ctrl+O choose images, Ctrl+Enter train, Ctrl+1..6 tabs) are the
  // app's, not the browser's (open a file, switch browser tabs); the app still sees the keys.
  window.addEventListener('keydown', (e) => {
    if (!api.running || !e.ctrlKey || e.altKey || e.shiftKey || e.metaKey) return;
    if (e.key === 'o' || e.key === 'O' || e.key === 'Enter' || /^[1-6]$/.test(e.key)) e.preventDefault();
  }, true);

  // Drag and drop anywhere on the page.
  let dragDepth = 0;
  window.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth++; $('dropzone').classList.add('on'); });
  window.addEventListener('dragleave', (e) => { e.preventDefault(); if (--dragDepth <= 0) { dragDepth = 0; $('dropzone').classList.remove('on'); } });
  window.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    dragDepth = 0;
    $('dropzone').classList.remove('on');
    // a dropped folder (where the browser gives its entries) is a set of labelled images
    const items = e.dataTransfer && e.dataTransfer.items ? Array.from(e.dataTransfer.items) : [];
    const entries = items.map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null));
    const dirs = entries.filter((en) => en && en.isDirectory);
    if (dirs.length) {
      for (const dir of dirs) walkFolder(dir).then((files) => api.openFolder(files, dir.name));
      const loose = entries.map((en, i) => (en && !en.isDirectory ? e.dataTransfer.files[i] : null)).filter((f) => f);
      if (loose.length) api.openFiles(loose, '');
      return;
    }
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) api.openFiles(Array.from(e.dataTransfer.files), '');
  });
  // Every file under a dropped folder entry, as {file, path} with the path from the folder's parent.
  function walkFolder(dir) {
    const out = [];
    const walk = (entry, prefix) => new Promise((resolve) => {
      if (entry.isFile) {
        entry.file((f) => { out.push({ file: f, path: prefix + entry.name }); resolve(); }, () => resolve());
        return;
      }
      const reader = entry.createReader(), children = [];
      const more = () => reader.readEntries((batch) => {
        if (!batch.length) { Promise.all(children.map((c) => walk(c, prefix + entry.name + '/'))).then(resolve); return; }
        children.push(...batch);
        more();
      }, () => resolve());
      more();
    });
    return walk(dir, '').then(() => out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  }

  // Download the .wasm ourselves to show progress, then start the Emscripten runtime with it.
  async function fetchWithProgress(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
    const total = Number(res.headers.get('Content-Length')) || 0;
    if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
    const reader = res.body.getReader();
    const out = new Uint8Array(total);
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > out.length) throw new Error(url + ': longer than its Content-Length');
      out.set(value, got);
      got += value.length;
      setProgress(0.9 * got / total, 'Downloading the app (' + (got / 1048576).toFixed(1) + ' of ' + (total / 1048576).toFixed(1) + ' MB)');
    }
    return got === total ? out : out.subarray(0, got);
  }

  window.Module = {
    canvas: $('canvas'),
    print: (t) => console.log(t),
    printErr: (t) => console.warn(t),
    onAbort: (what) => showMessage('The app stopped unexpectedly: ' + what + '. Reload the page to start again.'),
    locateFile: (path) => path,
    arguments: ['--assets-later', ASSETS.map((a) => a.name).join(',')].concat(location.hash.length > 1 ? ['--link', location.hash.slice(1)] : []),
  };

  // The threaded build when the browser allows threads here and the server has it.
  async function pickBuild() {
    if (!self.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return 'single';
    try {
      const res = await fetch('bloodcell_web_mt.js', { method: 'HEAD' });
      return res.ok ? 'threads' : 'single';
    } catch (e) {
      return 'single';
    }
  }

  // The .wasm (with a progress bar, then compiled as soon as it is in) and the runtime's .js download
  // side by side; the runtime instantiates the compiled module through Module.instantiateWasm.
  buildChoice.then((build) => {
    api.build = build;
    mark('build');
    const name = build === 'threads' ? 'bloodcell_web_mt' : 'bloodcell_web';
    const compiled = fetchWithProgress(name + '.wasm').then((wasm) => {
      mark('wasm');
      setProgress(0.95, 'Starting (compiling WebAssembly' + (build === 'threads' ? ', with threads' : '') + ')...');
      fetchAssets();  // while the .wasm compiles; the app shows them as loading until they arrive
      return WebAssembly.compile(wasm).then((module) => { mark('compiled'); return module; });
    });
    compiled.catch((err) => showMessage('Could not download or compile the app: ' + err.message));
    Module.instantiateWasm = (imports, receiveInstance) => {
      compiled.then((module) => WebAssembly.instantiate(module, imports).then((instance) => { mark('instantiated'); receiveInstance(instance, module); }))
        .catch((err) => showMessage('Could not start the app: ' + (err && err.message ? err.message : err)));
      return {};  // exports come through receiveInstance
    };
    const s = document.createElement('script');
    s.src = name + '.js';
    s.onerror = () => showMessage('Could not load ' + name + '.js from the server.');
    document.body.appendChild(s);
  }).catch((err) => showMessage('Could not download the app: ' + err.message));
})();
