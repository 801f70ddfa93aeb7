// ort.js: times one ONNX model in ONNX Runtime (onnxruntime-node's CPU build) the way
// `detect bench` times ours: warm-up runs, then timed runs, median and nearest-rank p90.
//
//   node bench/ort.js MODEL.onnx N,C,H,W THREADS RUNS WARMUP
//
// Prints one JSON object: {"engine", "model", "threads", "runs", "median_ms", "p90_ms", "min_ms",
// "times_ms"} (times_ms: every timed run, in order).
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, shapeArg, threadsArg, runsArg, warmArg] = process.argv.slice(2);
  if (!warmArg) {
    throw new Error('usage: node bench/ort.js MODEL.onnx N,C,H,W THREADS RUNS WARMUP');
  }
  const shape = shapeArg.split(',').map(Number);
  const threads = Number(threadsArg), runs = Number(runsArg), warmup = Number(warmArg);
  if (shape.length !== 4 || shape.some((d) => !(d > 0)) || !(threads >= 1) || !(runs >= 1) || !(warmup >= 0)) {
    throw new Error(`bad arguments: shape ${shapeArg}, threads ${threadsArg}, runs ${runsArg}, warm-up ${warmArg}`);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {  // a fixed pseudo-random input in (-1, 1) (Park-Miller, exact in doubles)
    seed = (seed * 48271) % 2147483647;
    data[i] = seed / 1073741823.5 - 1;
  }
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const ms = [...times].sort((a, b) => a - b);
  const k = ms.length;
  const median = k % 2 ? ms[(k - 1) / 2] : (ms[k / 2 - 1] + ms[k / 2]) / 2;
  const p90 = ms[Math.max(Math.ceil(0.9 * k), 1) - 1];
  console.log(JSON.stringify({ engine: `onnxruntime-node ${ort.env.versions.node}`, model, threads, runs: k,
    median_ms: median, p90_ms: p90, min_ms: ms[0], times_ms: times }));
}

main().catch((e) => {
  console.error('ort.js:', e.message || e);
  process.exit(1);
});
