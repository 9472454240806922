// A worker thread that loads the addon itself (per-instance data, its own
// Model and Dataset classes), trains a small classifier and predicts, then
// reports the loss and the predictions. With `forever` it keeps training
// until it is terminated, telling the parent once training runs.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const addon = require(workerData.addonPath);
const { seed, n = 256, features = 16, classes = 4, epochs = 3, forever = false } = workerData;

function data() {
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < features; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i * features + j] = (s / 2 ** 32 - 0.5) * 0.5 + (j % classes === y[i] ? 1 : 0);
    }
  }
  return { x, y };
}

const model = new addon.Model({
  inputSize: features,
  seed,
  layers: [
    { type: 0, units: 32, activation: 1 },
    { type: 1, rate: 0.1 },
    { type: 0, units: classes, activation: 7 },
  ],
});
model.compile({ loss: 5, metrics: [0], optimizer: { kind: 1, learningRate: 0.01 } });
const { x, y } = data();
const ds = new addon.Dataset(n, features, 1, false);
ds.write(0, 0, x, true);
ds.write(1, 0, y, true);

const losses = [];
for (let epoch = 0; forever || epoch < epochs; epoch++) {
  const batches = model.beginEpoch(ds, 16, true);
  const run = model.runBatches(ds, 0, batches, null);
  if (forever && epoch === 0) parentPort.postMessage({ type: 'training' });
  const r = await run;
  if (r.diverged) throw new Error('training diverged in a worker');
  losses.push(model.epochSummary().loss);
  // Also keep a prediction and a product in flight while training continues.
  if (forever) void model.predictAsync(x, n).catch(() => {});
  if (forever) void addon.matmulAsync(x, x, n, n, features, false, true).catch(() => {});
}
const predictions = await model.predictAsync(x, n);
const sync = model.predict(x, n);
parentPort.postMessage({
  type: 'done',
  losses,
  predictions,
  same: Buffer.from(sync.buffer).equals(Buffer.from(predictions.buffer)),
});
