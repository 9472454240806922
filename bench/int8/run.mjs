// npm run bench:int8 — int8 quantized inference against our float32 path, in
// one process, side by side: the Fashion-MNIST MLP 784-256-128-10 and the
// bench:cnn CNN (bench/cnn/common.mjs NET), each trained here briefly
// (seeded), quantized with 1,000 calibration images (static, per channel).
// Reports test accuracy of both, and the median time of predict at batch 1
// and 256 on 1 and 2 threads (calls of both models interleaved, 7 rounds).
// onnxruntime-node on a QDQ export is not measured: the QDQ export does not
// exist yet. Writes bench/results/int8.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nn from '../../dist/index.js';
import { loadPart, prepareFashionMnist } from '../lib/data.mjs';
import { cpuInfo, cpuLine } from '../lib/machine.mjs';
import { median } from '../lib/harness.mjs';
import { NET } from '../cnn/common.mjs';

const quick = process.argv.includes('--quick');
const dir = prepareFashionMnist();
const train = loadPart(dir, 'train', quick ? 6000 : undefined);
const test = loadPart(dir, 'test', quick ? 2000 : undefined);

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

/** Median seconds per call of fn over rounds, each round `calls` calls (after a warm-up). */
function timeRounds(fns, calls, rounds) {
  const times = fns.map(() => []);
  for (const f of fns) for (let i = 0; i < Math.min(calls, 20); i++) f();
  for (let r = 0; r < rounds; r++)
    fns.forEach((f, i) => {
      const t0 = process.hrtime.bigint();
      for (let c = 0; c < calls; c++) f();
      times[i].push(Number(process.hrtime.bigint() - t0) / 1e9 / calls);
    });
  return times.map(median);
}

const results = { cpu: cpuLine(cpuInfo()), int8Kernel: nn.info().int8, floatIsa: nn.info().isa, models: {} };
for (const [name, build, shape, epochs] of [
  ['mlp-784-256-128-10', mlp, [784], 5],
  ['cnn', cnn, NET.inputShape, 1],
]) {
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
  const accInt8 = accuracy(q.predict(xte).data, test.y, test.n);
  const timing = [];
  for (const threads of [1, 2]) {
    nn.setThreads(threads);
    for (const batch of [1, 256]) {
      const x = nn.tensor(test.x.slice(0, batch * 784), [batch, ...shape]);
      const outF = new Float32Array(batch * 10),
        outQ = new Float32Array(batch * 10);
      const calls = batch === 1 ? (name === 'cnn' ? 300 : 3000) : name === 'cnn' ? 4 : 60;
      const [f32, i8] = timeRounds(
        [() => model.predict(x, { out: outF }), () => q.predict(x, { out: outQ })],
        calls,
        7,
      );
      timing.push({
        threads,
        batch,
        float32: { secondsPerCall: f32, samplesPerSecond: batch / f32 },
        int8: { secondsPerCall: i8, samplesPerSecond: batch / i8 },
        int8SpeedupOverFloat32: f32 / i8,
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
    timing,
  };
  console.log(
    `\n${name} (${epochs} epoch${epochs > 1 ? 's' : ''} of training): test accuracy float32 ${(100 * accFloat).toFixed(2)}%, int8 ${(100 * accInt8).toFixed(2)}% (${(100 * (accFloat - accInt8)).toFixed(2)} points)`,
  );
  for (const t of timing)
    console.log(
      `  threads ${t.threads} batch ${String(t.batch).padStart(3)}: float32 ${fmt(t.float32, t.batch)}  int8 ${fmt(t.int8, t.batch)}  int8/float32 speed ${t.int8SpeedupOverFloat32.toFixed(2)}x`,
    );
}
function fmt(r, batch) {
  return batch === 1
    ? `${(r.secondsPerCall * 1e6).toFixed(1)} µs/call`
    : `${(r.samplesPerSecond / 1e3).toFixed(0)} k samples/s`;
}
console.log(`\nCPU: ${results.cpu}; int8 kernel ${results.int8Kernel}, float ISA ${results.floatIsa}`);
if (!quick)
  writeFileSync(
    fileURLToPath(new URL('../results/int8.json', import.meta.url)),
    JSON.stringify(results, null, 1) + '\n',
  );
