// Saving and loading convolutional models: round trips bit for bit (folder and
// Buffer), and training resumed from a save equals uninterrupted training.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../lib/index.js';
import type { Sequential } from '../lib/model.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-io-conv-'));
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const L = nn.layers;
const make = () =>
  nn.sequential([
    L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [9, 8, 2] }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 5, kernelSize: 2, dilationRate: 2, kernelRegularizer: nn.regularizers.l2(1e-3) }),
    L.averagePooling2d({ poolSize: 2, padding: 'same' }),
    L.dropout({ rate: 0.2 }),
    L.flatten(),
    L.dense({ units: 3, activation: 'softmax' }),
  ]);
const n = 40;
const x = nn.tensor(rand(n * 9 * 8 * 2, 3), [n, 9, 8, 2]);
const y = nn.tensor(
  Float32Array.from({ length: n }, (_, i) => i % 3),
  [n],
);

function expectIdentical(a: Sequential, b: Sequential): void {
  expect(b.toJSON()).toEqual(JSON.parse(JSON.stringify(a.toJSON())));
  expect(b.inputShape).toEqual([9, 8, 2]);
  expect(bytes(b.predict(x).data).equals(bytes(a.predict(x).data))).toBe(true);
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((w, i) => expect(bytes(wb[i]!).equals(bytes(w))).toBe(true));
}

describe('save and load of convolutional models', () => {
  it('round trips bit for bit through a folder and a Buffer, with the sample shape', async () => {
    const a = make();
    a.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 4 });
    const dir = tmp();
    await a.save(dir);
    expectIdentical(a, await nn.loadModel(dir));
    expectIdentical(a, await nn.loadModel(a.toBuffer()));
  });

  it('resumes exactly: 2 epochs + save + load + 1 epoch equals 3 epochs (shuffle and dropout on)', async () => {
    const a = make();
    a.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    a.build([9, 8, 2], 1);
    const b = make();
    b.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    b.build([9, 8, 2], 2);
    b.setWeights(a.getWeights());
    const opts = { batchSize: 8, shuffle: true, verbose: 0 } as const;
    await a.fit(x, y, { ...opts, epochs: 2, seed: 5 });
    const dir = tmp();
    await a.save(dir);
    const resumed = await nn.loadModel(dir);
    await resumed.fit(x, y, { ...opts, epochs: 1 });
    await b.fit(x, y, { ...opts, epochs: 2, seed: 5 });
    await b.fit(x, y, { ...opts, epochs: 1 });
    expectIdentical(b, resumed);
  });
});
