// npm run bench:int8 — int8 quantized inference against our float32 path and
// against onnxruntime-node, in one process, side by side: the Fashion-MNIST MLP
// 784-256-128-10 and the bench:cnn CNN (bench/cnn/common.mjs NET), each trained
// here (seeded), quantized with 1,000 calibration images (static, per channel).
// Reports test accuracy of float32 and int8, and the median time per call at
// batch 1 and 256 on 1 and 2 threads (blocks of calls interleaved, 7 rounds, a 20 ms pause before each block) of: our
// float32 predict, our int8 predict, onnxruntime-node on our QDQ export
// (quantizedModel.exportOnnx; its optimizer turns it into QLinearConv / QGemm)
// and on our float32 export (model.exportOnnx), each session with
// intraOpNumThreads = threads, inter-op 1, all graph optimizations, awaited
// session.run calls.
//   (default)     all of Fashion-MNIST: 60,000 training, 10,000 test images;
//                 MLP 5 epochs, CNN 2 epochs; writes bench/results/int8.json
//   --quick       6,000 / 2,000 images, MLP 5 epochs, CNN 1 epoch, nothing written
//   --accuracy    train, quantize and report accuracy only (no timing)
//   --only NAME   only the model NAME (mlp or cnn)
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nn from '../../dist/index.js';
import { loadPart, prepareFashionMnist } from '../lib/data.mjs';
import { cpuInfo, cpuLine } from '../lib/machine.mjs';
import { median } from '../lib/harness.mjs';
import { peerVersion, requirePeer } from '../lib/peers.mjs';
import { NET } from '../cnn/common.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const accuracyOnly = argv.includes('--accuracy');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const ort = requirePeer('onnxruntime-node');
const dir = prepareFashionMnist();
const train = loadPart(dir, 'train', quick ? 6000 : undefined);
const test = loadPart(dir, 'test', quick ? 2000 : undefined);
const tmp = mkdtempSync(join(tmpdir(), 'simdnn-bench-int8-'));

function mlp() {
  return nn.sequential([
    nn.layers.dense({ units: 256, inputDim: 784, activation: 'relu' }),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
}
function cnn() {
  return nn.sequential(
    NET.layers.map((l, i) => {
      const first = i === 0 ? { inputShape: NET.inputShape } : {};
      if (l.type === 'conv2d')
        return nn.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, activation: l.activation, ...first });
      if (l.type === 'maxPooling2d') return nn.layers.maxPooling2d({ poolSize: l.poolSize });
      if (l.type === 'flatten') return nn.layers.flatten();
      return nn.layers.dense({ units: l.units, activation: l.activation });
    }),
  );
}

function accuracy(probs, y, n) {
  let ok = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (probs[r * 10 + j] > probs[r * 10 + best]) best = j;
    if (best === y[r]) ok++;
  }
  return ok / n;
}

/**
 * Median seconds per call of each fn over rounds, each round `calls` calls (after a warm-up); an async fn
 * (onnxruntime's session.run) is awaited call by call, a sync one (our predict) is called in a plain loop.
 * Each timed block starts after a pause of `settleMs`: onnxruntime's pool threads spin for a while after a run
 * (its default, kept: it helps onnxruntime's own back-to-back calls), and on a 2-core machine those spinning
 * threads took a core from whatever was timed next (our 2-thread float32 and int8 MLP ran at their 1-thread
 * speed right after an onnxruntime block).
 */
const settleMs = 20;
const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs));
async function timeRounds(fns, calls, rounds) {
  const times = fns.map(() => []);
  for (const { fn, async } of fns)
    for (let i = 0; i < Math.min(calls, 20); i++) {
      if (async) await fn();
      else fn();
    }
  for (let r = 0; r < rounds; r++)
    for (const [i, { fn, async }] of fns.entries()) {
      await settle();
      const t0 = process.hrtime.bigint();
      if (async) for (let c = 0; c < calls; c++) await fn();
      else for (let c = 0; c < calls; c++) fn();
      times[i].push(Number(process.hrtime.bigint() - t0) / 1e9 / calls);
    }
  return times.map(median);
}

async function session(file, threads) {
  return ort.InferenceSession.create(readFileSync(file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

const results = {
  cpu: cpuLine(cpuInfo()),
  int8Kernel: nn.info().int8,
  floatIsa: nn.info().isa,
  onnxruntimeNode: peerVersion('onnxruntime-node'),
  mode: quick ? 'quick' : 'full',
  trainRows: train.n,
  calibrationRows: 1000,
  models: {},
};
for (const [name, build, shape, epochs] of [
  ['mlp-784-256-128-10', mlp, [784], 5],
  ['cnn', cnn, NET.inputShape, quick ? 1 : 2],
]) {
  if (only && !name.startsWith(only)) continue;
  const model = build();
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: 1e-3 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const xtr = nn.tensor(train.x, [train.n, ...shape]);
  const t0 = Date.now();
  await model.fit(xtr, Float32Array.from(train.y), { epochs, batchSize: 64, verbose: 0, seed: 1 });
  const trainSeconds = (Date.now() - t0) / 1000;
  const calib = nn.tensor(train.x.slice(0, 1000 * 784), [1000, ...shape]);
  const q = await model.quantize({ calibration: calib });
  const xte = nn.tensor(test.x, [test.n, ...shape]);
  const accFloat = accuracy(model.predict(xte).data, test.y, test.n);
  const yq = q.predict(xte).data;
  const accInt8 = accuracy(yq, test.y, test.n);
  const qdqFile = join(tmp, `${name}-qdq.onnx`),
    floatFile = join(tmp, `${name}-float.onnx`);
  await q.exportOnnx(qdqFile);
  await model.exportOnnx(floatFile);
  // onnxruntime on the QDQ file: accuracy, and agreement with our int8 predict.
  const ortQdq1 = await session(qdqFile, 1);
  const yo = (await ortQdq1.run({ input: new ort.Tensor('float32', xte.data, xte.shape) })).output.data;
  const accOrtInt8 = accuracy(yo, test.y, test.n);
  let agree = 0;
  for (let r = 0; r < test.n; r++) {
    let a = 0,
      b = 0;
    for (let j = 1; j < 10; j++) {
      if (yq[r * 10 + j] > yq[r * 10 + a]) a = j;
      if (yo[r * 10 + j] > yo[r * 10 + b]) b = j;
    }
    if (a === b) agree++;
  }
  const timing = [];
  for (const threads of accuracyOnly ? [] : [1, 2]) {
    nn.setThreads(threads);
    const ortQ = threads === 1 ? ortQdq1 : await session(qdqFile, threads);
    const ortF = await session(floatFile, threads);
    for (const batch of [1, 256]) {
      const x = nn.tensor(test.x.slice(0, batch * 784), [batch, ...shape]);
      const outF = new Float32Array(batch * 10),
        outQ = new Float32Array(batch * 10);
      const feeds = { input: new ort.Tensor('float32', x.data, x.shape) };
      const calls = batch === 1 ? (name === 'cnn' ? 300 : 3000) : name === 'cnn' ? 4 : 60;
      const [f32, i8, oi8, of32] = await timeRounds(
        [
          { fn: () => model.predict(x, { out: outF }) },
          { fn: () => q.predict(x, { out: outQ }) },
          { fn: () => ortQ.run(feeds), async: true },
          { fn: () => ortF.run(feeds), async: true },
        ],
        calls,
        quick ? 5 : 7,
      );
      const r = (sec) => ({ secondsPerCall: sec, samplesPerSecond: batch / sec });
      timing.push({
        threads,
        batch,
        float32: r(f32),
        int8: r(i8),
        onnxruntimeInt8: r(oi8),
        onnxruntimeFloat32: r(of32),
        int8SpeedupOverFloat32: f32 / i8,
        int8SpeedupOverOnnxruntimeInt8: oi8 / i8,
      });
    }
  }
  results.models[name] = {
    epochs,
    trainSeconds,
    testRows: test.n,
    accuracyFloat32: accFloat,
    accuracyInt8: accInt8,
    lossPoints: 100 * (accFloat - accInt8),
    accuracyOnnxruntimeInt8: accOrtInt8,
    onnxruntimeSameArgmax: agree / test.n,
    timing,
  };
  console.log(
    `\n${name} (${epochs} epoch${epochs > 1 ? 's' : ''} of training): test accuracy float32 ${(100 * accFloat).toFixed(2)}%, int8 ${(100 * accInt8).toFixed(2)}% (${(100 * (accFloat - accInt8)).toFixed(2)} points); onnxruntime on the QDQ file ${(100 * accOrtInt8).toFixed(2)}%, same class as our int8 on ${(100 * (agree / test.n)).toFixed(2)}% of ${test.n} rows`,
  );
  for (const t of timing)
    console.log(
      `  threads ${t.threads} batch ${String(t.batch).padStart(3)}: float32 ${fmt(t.float32, t.batch)}  int8 ${fmt(t.int8, t.batch)}  ort-int8 ${fmt(t.onnxruntimeInt8, t.batch)}  ort-f32 ${fmt(t.onnxruntimeFloat32, t.batch)}  int8 vs float32 ${t.int8SpeedupOverFloat32.toFixed(2)}x, vs ort-int8 ${t.int8SpeedupOverOnnxruntimeInt8.toFixed(2)}x`,
    );
}
function fmt(r, batch) {
  return batch === 1
    ? `${(r.secondsPerCall * 1e6).toFixed(1)} µs/call`
    : `${(r.samplesPerSecond / 1e3).toFixed(0)} k samples/s`;
}
console.log(
  `\nCPU: ${results.cpu}; int8 kernel ${results.int8Kernel}, float ISA ${results.floatIsa}, onnxruntime-node ${results.onnxruntimeNode}`,
);
if (!quick && !accuracyOnly && !only)
  writeFileSync(
    fileURLToPath(new URL('../results/int8.json', import.meta.url)),
    JSON.stringify(results, null, 1) + '\n',
  );
