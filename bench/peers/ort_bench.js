// Measures ONNX Runtime Web (wasm execution provider) on the models bench/run_all.mjs exported from
// the PyTorch definitions: inference images/s at batch 256 (one run() per batch of 256) and
// single-image latency. The input is NCHW (PyTorch's layout) for the CNN, (N, 784) for the FCNN.
'use strict';

async function timeLoop(seconds, minIters, fn) {
  let n = 0;
  const t0 = performance.now();
  while (n < minIters || performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  return { iters: n, seconds: (performance.now() - t0) / 1000 };
}

function randomTensor(n, shape) {
  const size = n * shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.random();
  return new ort.Tensor('float32', data, [n, ...shape]);
}

async function benchModel(name, seconds) {
  const shape = name === 'fcnn' ? [784] : [3, 28, 28];
  const session = await ort.InferenceSession.create(`onnx/${name}.onnx`, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const input = session.inputNames[0];
  const out = { model: name };
  const xb = randomTensor(256, shape), x1 = randomTensor(1, shape);
  await session.run({ [input]: xb });  // warm-up
  const ti = await timeLoop(seconds / 2, 2, () => session.run({ [input]: xb }));
  out.infer_img_s = (256 * ti.iters) / ti.seconds;
  await session.run({ [input]: x1 });
  const tl = await timeLoop(seconds / 4, 20, () => session.run({ [input]: x1 }));
  out.latency_ms = (1000 * tl.seconds) / tl.iters;
  await session.release();
  return out;
}

async function run() {
  const params = new URLSearchParams(location.search);
  const seconds = Number(params.get('seconds') || 4);
  const threads = Number(params.get('threads') || 1);
  const models = (params.get('models') || 'fcnn,cnn').split(',');
  ort.env.wasm.wasmPaths = new URL('node_modules/onnxruntime-web/dist/', location.href).href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const results = [];
  for (const m of models) {
    document.getElementById('out').textContent = `running ${m}`;
    results.push(await benchModel(m, seconds));
  }
  window.benchResult = { peer: 'onnxruntime-web', version: ort.env.versions ? ort.env.versions.web : null, threads,
    cross_origin_isolated: self.crossOriginIsolated === true, results };
  document.getElementById('out').textContent = JSON.stringify(window.benchResult, null, 1);
}
window.addEventListener('load', () => run().catch((e) => { window.benchResult = { error: String(e && e.message || e) }; }));
