/**
 * Deployment: train a small classifier, save it to a folder, load it back,
 * keep it in one Buffer (for a database or object store), resume training,
 * and export it to ONNX for onnxruntime.
 *
 * Run: node examples/deploy.mjs [outDir]   (after `npm run build`; in your project, import from 'simdnn')
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../dist/index.js';

const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'simdnn-deploy-'));

// Points in the square [-1, 1]^2, class 1 inside the circle of radius 0.6.
const n = 400;
const x = [];
const y = [];
let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
for (let i = 0; i < n; i++) {
  const p = [random(), random()];
  x.push(p);
  y.push(Math.hypot(p[0], p[1]) < 0.6 ? 1 : 0);
}

const model = nn.sequential([
  nn.layers.dense({ units: 32, inputDim: 2, activation: 'gelu' }),
  nn.layers.dense({ units: 32, activation: 'tanh' }),
  nn.layers.dense({ units: 2, activation: 'softmax' }),
]);
model.compile({
  optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
});
await model.fit(x, y, { epochs: 60, batchSize: 32, seed: 1, verbose: 0 });
console.log('trained:', model.evaluate(x, y));

// 1. A folder: model.json (description, manifest, checksums) + weights.bin (float32, optimizer state included).
const dir = join(out, 'circle');
await model.save(dir);
const loaded = await nn.loadModel(dir);
const before = model.predict(x).data;
const same = loaded.predict(x).data.every((v, i) => v === before[i]);
console.log('loaded from', dir, '- same predictions:', same);

// 2. One Buffer.
const buf = model.toBuffer();
const fromBuffer = await nn.loadModel(buf);
console.log(`buffer of ${buf.length} bytes; loaded accuracy ${fromBuffer.evaluate(x, y).accuracy}`);

// 3. Resume training where it stopped (the optimizer's moments and step count were saved).
await loaded.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0 });
console.log('after 10 more epochs:', loaded.evaluate(x, y));

// 4. ONNX, for onnxruntime (input "input" [batch, 2], output "output" [batch, 2]).
const onnxFile = join(out, 'circle.onnx');
await loaded.exportOnnx(onnxFile);
console.log('ONNX model written to', onnxFile);
