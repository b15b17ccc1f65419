// Measures TensorFlow.js on the same architectures and batch size as bloodcell: training images/s,
// inference images/s at batch 256 (one predict call with {batchSize: 256}: without it predict slices
// the batch into 32s), single-image latency. One thread (no cross-origin isolation). On the webgl
// backend the page also reports the WebGL renderer (headless Chromium: SwiftShader, on the CPU).
'use strict';

function fcnn() {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 500, activation: 'relu', inputShape: [784] }));
  m.add(tf.layers.dense({ units: 500, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 8, activation: 'softmax' }));
  return m;
}

function cnn() {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 3] }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 8, activation: 'softmax' }));
  return m;
}

async function timeLoop(seconds, minIters, fn) {
  let n = 0;
  const t0 = performance.now();
  while (n < minIters || performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  return { iters: n, seconds: (performance.now() - t0) / 1000 };
}

async function benchModel(name, seconds) {
  const model = name === 'fcnn' ? fcnn() : cnn();
  const shape = name === 'fcnn' ? [784] : [28, 28, 3];
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomUniform([64, ...shape]);
  const y = tf.tensor2d(Array.from({ length: 64 }, (_, i) => i % 8), [64, 1]);
  const out = { model: name, backend: tf.getBackend() };
  try {
    await model.trainOnBatch(x, y);  // warm-up (kernel compilation)
    const t = await timeLoop(seconds, 1, () => model.trainOnBatch(x, y));
    out.train_img_s = (64 * t.iters) / t.seconds;
  } catch (e) {
    out.train_error = String(e && e.message ? e.message : e).slice(0, 160);
  }
  const xb = tf.randomUniform([256, ...shape]);
  model.predict(xb, { batchSize: 256 }).dataSync();
  const ti = await timeLoop(seconds / 2, 2, () => { const p = model.predict(xb, { batchSize: 256 }); p.dataSync(); p.dispose(); });
  out.infer_img_s = (256 * ti.iters) / ti.seconds;
  const x1 = tf.randomUniform([1, ...shape]);
  model.predict(x1).dataSync();
  const tl = await timeLoop(seconds / 4, 20, () => { const p = model.predict(x1); p.dataSync(); p.dispose(); });
  out.latency_ms = (1000 * tl.seconds) / tl.iters;
  out.heap_mb = tf.memory().numBytes / 1e6;  // tensors only
  // the wasm backend's heap (it only grows, so this is its peak); the JS heap for the cpu backend
  try {
    const b = tf.backend();
    if (b.wasm && b.wasm.HEAPU8) out.peak_mb = b.wasm.HEAPU8.buffer.byteLength / 1048576;
  } catch (e) { /* not the wasm backend */ }
  if (out.peak_mb === undefined && performance.memory) out.peak_mb = performance.memory.usedJSHeapSize / 1048576;
  tf.dispose([x, y, xb, x1]);
  model.dispose();
  return out;
}

async function run() {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend') || 'wasm';
  const seconds = Number(params.get('seconds') || 5);
  const models = (params.get('models') || 'fcnn,cnn').split(',');
  tf.wasm.setWasmPaths('node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await tf.setBackend(backend);
  await tf.ready();
  const results = [];
  for (const m of models) {
    document.getElementById('out').textContent = `running ${m} on ${backend}`;
    results.push(await benchModel(m, seconds));
  }
  let renderer = null;
  if (backend === 'webgl') {
    try {
      const gl = tf.backend().gpgpu.gl;
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      renderer = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    } catch (e) { renderer = 'unknown: ' + e; }
  }
  let simd = null;
  try { simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'); } catch (e) { /* not the wasm backend */ }
  window.benchResult = { peer: 'tfjs', version: tf.version.tfjs, backend, simd, renderer, results };
  document.getElementById('out').textContent = JSON.stringify(window.benchResult, null, 1);
}
window.addEventListener('load', () => run().catch((e) => { window.benchResult = { error: String(e) }; }));
