// ONNX export of batch and layer normalization: a batch normalization folded
// into the dense / conv layer before it, or a BatchNormalization node, and
// LayerNormalization (opset 17), give predict's outputs in onnxruntime-node
// (within 1e-5) in every position, with moving statistics that are not the
// initial ones (random weights through setWeights, and after training).
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../lib/index.js';
import type { Layer } from '../lib/layers.js';
import { onnxBytes } from '../lib/io/onnx.js';
import { modelProto } from '../lib/io/onnx-proto.js';
import { ort, runOnnx, warnIfNoOrt } from './onnx-runtime.js';

warnIfNoOrt('io-onnx-normalization');

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (s / 2 ** 32) * (hi - lo);
  }
  return out;
}

/** Random weights everywhere; a moving variance in [0.2, 2]. */
function randomizeWeights(model: nn.Sequential, seed: number): void {
  const names = model.toJSON().layers;
  const kinds: string[] = [];
  names.forEach((l) => {
    if (l.type === 'batchNormalization') {
      if (l.scale !== false) kinds.push('gamma');
      if (l.center !== false) kinds.push('beta');
      kinds.push('mean', 'variance');
    } else if (l.type === 'layerNormalization') {
      if (l.scale !== false) kinds.push('gamma');
      if (l.center !== false) kinds.push('beta');
    } else if (l.type === 'dense' || l.type === 'conv1d' || l.type === 'conv2d') {
      kinds.push('kernel');
      if (l.useBias !== false) kinds.push('bias');
    }
  });
  const weights = model.getWeights();
  expect(kinds.length).toBe(weights.length);
  model.setWeights(
    weights.map((w, i) =>
      kinds[i] === 'variance'
        ? rand(w.length, seed + i, 0.2, 2)
        : kinds[i] === 'gamma'
          ? rand(w.length, seed + i, 0.5, 1.5)
          : rand(w.length, seed + i),
    ),
  );
}

const L = nn.layers;
/** title, sample shape, layers, the BatchNormalization nodes expected in the file (0 when folded). */
const cases: [string, number[], () => Layer[], number][] = [
  ['dense then batchNormalization (folded)', [7], () => [L.dense({ units: 5 }), L.batchNormalization()], 0],
  [
    'dense without bias then batchNormalization then relu (folded)',
    [6],
    () => [L.dense({ units: 4, useBias: false }), L.batchNormalization(), L.activation({ activation: 'relu' })],
    0,
  ],
  [
    'relu dense then batchNormalization (not foldable)',
    [5],
    () => [L.dense({ units: 6, activation: 'relu' }), L.batchNormalization({ epsilon: 0.01 }), L.dense({ units: 3 })],
    1,
  ],
  [
    'conv1d then batchNormalization (folded) + flatten + dense',
    [11, 3],
    () => [L.conv1d({ filters: 4, kernelSize: 3 }), L.batchNormalization(), L.flatten(), L.dense({ units: 2 })],
    0,
  ],
  [
    'relu conv1d then batchNormalization without center and scale',
    [9, 2],
    () => [
      L.conv1d({ filters: 3, kernelSize: 2, activation: 'relu' }),
      L.batchNormalization({ center: false, scale: false }),
    ],
    1,
  ],
  [
    'conv2d then batchNormalization then relu, twice (folded)',
    [8, 7, 3],
    () => [
      L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
      L.batchNormalization(),
      L.activation({ activation: 'relu' }),
      L.conv2d({ filters: 5, kernelSize: 3, strides: 2, useBias: false }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.globalAveragePooling2d(),
      L.dense({ units: 3, activation: 'softmax' }),
    ],
    0,
  ],
  [
    'relu conv2d then batchNormalization then maxPooling2d',
    [6, 6, 2],
    () => [
      L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
      L.batchNormalization({ scale: false }),
      L.maxPooling2d({ poolSize: 2 }),
    ],
    1,
  ],
  ['batchNormalization of the input [h, w, c]', [4, 5, 3], () => [L.batchNormalization({ center: false })], 1],
  [
    'batchNormalization of the input [features] then dense',
    [7],
    () => [L.batchNormalization(), L.dense({ units: 2 })],
    1,
  ],
  ['dense then layerNormalization', [6], () => [L.dense({ units: 8, activation: 'tanh' }), L.layerNormalization()], 0],
  [
    'conv1d then layerNormalization (no scale)',
    [7, 2],
    () => [L.conv1d({ filters: 5, kernelSize: 3 }), L.layerNormalization({ scale: false, epsilon: 1e-5 })],
    0,
  ],
  [
    'conv2d then layerNormalization then conv2d',
    [6, 5, 2],
    () => [
      L.conv2d({ filters: 4, kernelSize: 2 }),
      L.layerNormalization({ center: false }),
      L.conv2d({ filters: 3, kernelSize: 2 }),
    ],
    0,
  ],
  ['layerNormalization of the input [h, w, c]', [3, 4, 5], () => [L.layerNormalization()], 0],
  ['layerNormalization of a 1-wide axis', [4, 1], () => [L.layerNormalization()], 0],
];

async function expectOrtMatches(model: nn.Sequential, shape: number[], file: string): Promise<void> {
  const n = 4;
  const size = shape.reduce((a, b) => a * b, 1);
  const x = nn.tensor(rand(n * size, 11, -2, 2), [n, ...shape]);
  const want = model.predict(x);
  await model.exportOnnx(file);
  const result = await runOnnx(file, x.data, [n, ...shape]);
  expect(result.dims).toEqual([n, ...model.outputShape!]);
  const got = result.data;
  expect(got.length).toBe(want.size);
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i]! - want.data[i]!);
    if (!(diff <= 1e-5 + 1e-5 * Math.abs(want.data[i]!)))
      expect.fail(`output ${i}: onnxruntime ${got[i]} vs predict ${want.data[i]}`);
  }
}

function opTypes(model: nn.Sequential): string[] {
  const decoded = modelProto().decode(onnxBytes(model)) as unknown as { graph: { node: { opType: string }[] } };
  return decoded.graph.node.map((node) => node.opType);
}

describe.skipIf(!ort)('exportOnnx with normalization layers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-norm-'));
  cases.forEach(([title, shape, build, bnNodes], k) => {
    it(`matches predict in onnxruntime: ${title}`, async () => {
      const model = nn.sequential(build());
      model.build(shape, 7);
      randomizeWeights(model, 100 * k);
      const ops = opTypes(model);
      expect(ops.filter((o) => o === 'BatchNormalization').length).toBe(bnNodes);
      const lnLayers = model.toJSON().layers.filter((l) => l.type === 'layerNormalization').length;
      expect(ops.filter((o) => o === 'LayerNormalization').length).toBe(lnLayers);
      const before = model.getWeights().map((w) => Float32Array.from(w));
      await expectOrtMatches(model, shape, join(dir, `case${k}.onnx`));
      // Export does not change the weights the user sees.
      expect(model.getWeights()).toEqual(before);
    });
  });

  it('matches predict in onnxruntime after training (moving statistics from fit)', async () => {
    const shape = [6, 6, 2];
    const model = nn.sequential([
      L.conv2d({ filters: 4, kernelSize: 3, inputShape: shape }),
      L.batchNormalization({ momentum: 0.5 }),
      L.activation({ activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 6 }),
      L.batchNormalization({ momentum: 0.5 }),
      L.layerNormalization(),
      L.dense({ units: 2 }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const n = 16;
    const x = nn.tensor(rand(n * 72, 3, 0, 3), [n, ...shape]);
    const y = nn.tensor(rand(n * 2, 5), [n, 2]);
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    const w = model.getWeights();
    // The moving statistics moved away from their initial zeros and ones.
    expect(Math.abs(w[2 + 2]![0]!)).toBeGreaterThan(1e-3);
    await expectOrtMatches(model, shape, join(dir, 'trained.onnx'));
  });
});
