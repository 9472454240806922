// Saving and loading models with batch and layer normalization: the moving
// statistics and trainable flags round trip, and training resumes bit for bit.
// (Batch normalization over [n, steps, c] samples after a reshape: the saved
// form does not take the 3-D and 4-D kernels of conv layers yet.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { rng } from './helpers.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectIdentical(a: nn.Sequential, b: nn.Sequential, x: nn.Tensor): void {
  expect(b.toJSON()).toEqual(JSON.parse(JSON.stringify(a.toJSON())));
  expect(bytes(b.predict(x).data).equals(bytes(a.predict(x).data))).toBe(true);
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((w, i) => expect(bytes(wb[i]!).equals(bytes(w)), `weight ${i}`).toBe(true));
  const sa = a.getOptimizerState()!;
  const sb = b.getOptimizerState()!;
  expect(sb.iterations).toBe(sa.iterations);
  sa.slots.forEach((s, i) => expect(bytes(sb.slots[i]!.data).equals(bytes(s.data))).toBe(true));
}

const make = () =>
  nn.sequential([
    nn.layers.dense({ units: 16, inputDim: 6, useBias: false }),
    nn.layers.reshape({ targetShape: [4, 4] }),
    nn.layers.batchNormalization({ momentum: 0.9 }),
    nn.layers.activation({ activation: 'relu' }),
    nn.layers.layerNormalization({ center: false }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 8, trainable: false }),
    nn.layers.batchNormalization({ scale: false }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ]);

function data(n: number) {
  const r = rng(4);
  const x = nn.tensor(
    new Float32Array(n * 6).map(() => r()),
    [n, 6],
  );
  const y = nn.tensor(
    Float32Array.from({ length: n }, (_, i) => i % 3),
    [n],
  );
  return { x, y };
}

describe('saving models with normalization layers', () => {
  it('round trips the moving statistics, the options and trainable, bit for bit', async () => {
    const m = make();
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = data(20);
    await m.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0 });
    m.layers[4]!.trainable = false;
    const copy = await nn.loadModel(m.toBuffer());
    expectIdentical(m, copy, x);
    expect(copy.layers.map((l) => l.trainable)).toEqual([true, true, true, true, false, true, false, true, true]);
    expect(copy.layers[2]!.config.momentum).toBe(0.9);
    expect(copy.layers[7]!.config.scale).toBe(false);
    // getWeights: kernel, [gamma, beta, movingMean, movingVariance], [gamma], kernel, bias, [beta, mean, var], ...
    expect(copy.weightShapes()).toEqual([[6, 16], [4], [4], [4], [4], [4], [16, 8], [8], [8], [8], [8], [8, 3], [3]]);
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-norm-'));
    await m.save(dir);
    expectIdentical(m, await nn.loadModel(dir), x);
  });

  it('resumes training exactly: 2 epochs + save + load + 1 epoch equals 3 epochs', async () => {
    const { x, y } = data(24);
    const opts = { batchSize: 6, shuffle: true, verbose: 0 } as const;
    const a = make();
    a.compile({
      optimizer: nn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 }),
      loss: 'sparseCategoricalCrossentropy',
    });
    a.build(6, 3);
    const b = make();
    b.compile({
      optimizer: nn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 }),
      loss: 'sparseCategoricalCrossentropy',
    });
    b.build(6, 3);
    await a.fit(x, y, { ...opts, epochs: 2, seed: 9 });
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-norm-'));
    await a.save(dir);
    const resumed = await nn.loadModel(dir);
    await resumed.fit(x, y, { ...opts, epochs: 1 });
    await b.fit(x, y, { ...opts, epochs: 2, seed: 9 });
    await b.fit(x, y, { ...opts, epochs: 1 });
    expectIdentical(b, resumed, x);
  });
});
