// ONNX export of convolutional models: the NHWC model becomes an NCHW graph
// that still takes [n, h, w, c] and gives the same outputs in onnxruntime-node
// (within 1e-5), for every conv, pooling and reshape layer.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../lib/index.js';
import type { Layer } from '../lib/layers.js';
import { ort, runOnnx, warnIfNoOrt } from './onnx-runtime.js';

warnIfNoOrt('io-onnx-conv');

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

const L = nn.layers;
const cases: [string, number[], () => Layer[]][] = [
  [
    'conv2d valid + flatten + dense',
    [7, 6, 3],
    () => [L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dense({ units: 5 })],
  ],
  [
    'conv2d same, stride 2, no bias',
    [9, 8, 2],
    () => [L.conv2d({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false }), L.flatten()],
  ],
  [
    'conv2d dilation 2, tanh',
    [9, 9, 1],
    () => [L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh' })],
  ],
  [
    'conv2d 1x1 softmax over filters',
    [4, 5, 6],
    () => [L.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax' })],
  ],
  [
    'conv2d even kernel same',
    [6, 7, 2],
    () => [L.conv2d({ filters: 2, kernelSize: 4, padding: 'same', activation: 'gelu' })],
  ],
  ['maxPooling2d valid', [8, 7, 3], () => [L.conv2d({ filters: 2, kernelSize: 1 }), L.maxPooling2d({ poolSize: 2 })]],
  [
    'maxPooling2d same, stride 2, pool 3',
    [7, 8, 2],
    () => [L.conv2d({ filters: 2, kernelSize: 1 }), L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
  ],
  [
    'averagePooling2d same (padded cells not counted)',
    [7, 5, 2],
    () => [L.conv2d({ filters: 3, kernelSize: 2 }), L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
  ],
  [
    'globalAveragePooling2d + dense',
    [5, 6, 3],
    () => [
      L.conv2d({ filters: 4, kernelSize: 3 }),
      L.globalAveragePooling2d(),
      L.dense({ units: 2, activation: 'softmax' }),
    ],
  ],
  ['globalMaxPooling2d', [5, 6, 3], () => [L.conv2d({ filters: 4, kernelSize: 3 }), L.globalMaxPooling2d()]],
  [
    'conv1d + maxPooling1d + flatten',
    [11, 3],
    () => [
      L.conv1d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      L.maxPooling1d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  ],
  [
    'conv1d same stride 2 + averagePooling1d',
    [12, 2],
    () => [
      L.conv1d({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' }),
      L.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
    ],
  ],
  [
    'conv1d + globalAveragePooling1d / globalMaxPooling1d',
    [9, 4],
    () => [L.conv1d({ filters: 3, kernelSize: 2 }), L.globalMaxPooling1d(), L.dense({ units: 2 })],
  ],
  [
    'conv1d + globalAveragePooling1d',
    [9, 4],
    () => [L.conv1d({ filters: 3, kernelSize: 2, dilationRate: 2 }), L.globalAveragePooling1d()],
  ],
  [
    'reshape then conv2d',
    [48],
    () => [
      L.reshape({ targetShape: [4, 4, 3] }),
      L.conv2d({ filters: 2, kernelSize: 2 }),
      L.reshape({ targetShape: [-1, 2] }),
    ],
  ],
  [
    'dense output reshaped',
    [6],
    () => [L.dense({ units: 12 }), L.reshape({ targetShape: [3, 4] }), L.activation({ activation: 'softmax' })],
  ],
];

describe.skipIf(!ort)('exportOnnx for convolutional models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-conv-'));
  for (const [title, shape, build] of cases) {
    it(`matches predict in onnxruntime: ${title}`, async () => {
      const layers = build();
      const model = nn.sequential(layers);
      model.build(shape, 7);
      const n = 3;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = nn.tensor(rand(n * size, 11), [n, ...shape]);
      const want = model.predict(x);
      const file = join(dir, `${title.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
      await model.exportOnnx(file);
      const result = await runOnnx(file, x.data, [n, ...shape]);
      expect(result.dims).toEqual([n, ...model.outputShape!]);
      const got = result.data;
      expect(got.length).toBe(want.size);
      for (let i = 0; i < got.length; i++)
        expect(Math.abs(got[i]! - want.data[i]!)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want.data[i]!));
    });
  }
});
