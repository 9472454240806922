// Prediction of convolutional models does not depend on how the batch is cut:
// on every ISA, one row at a time, a batch on one thread, and a batch on 2 or
// 3 threads (blocks of rows through the whole network, and conv layers split
// over pixel blocks) give the same bits; training on every ISA gives the same
// loss curve up to rounding.
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, randomArray, rng, withIsa, withIsaAsync } from './helpers.js';

const SHAPE = [13, 12, 3];
const SIZE = 13 * 12 * 3;

function build(): nn.Sequential {
  const L = nn.layers;
  const model = nn.sequential([
    L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: SHAPE }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.conv2d({ filters: 8, kernelSize: 1 }),
    L.averagePooling2d({ poolSize: 2 }),
    L.flatten(),
    L.dense({ units: 32, activation: 'relu' }),
    L.dense({ units: 5, activation: 'softmax' }),
  ]);
  model.build(SHAPE, 9);
  return model;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const threadsBefore = nn.info().threads;
afterAll(() => nn.setThreads(threadsBefore));

describe('predict on convolutional models', () => {
  const model = build();
  const rows = 203;
  const x = nn.tensor(randomArray(rows * SIZE, rng(3)), [rows, ...SHAPE]);

  for (const isa of ISAS)
    it(`gives the same bits row by row, on 1 thread and on 2 and 3 threads (${isa})`, async () => {
      await withIsaAsync(isa, async () => {
        nn.setThreads(1);
        const want = bytes(model.predict(x).data);
        const one = bytes(model.predict(x.slice(37, 38)).data);
        expect(one.equals(want.subarray(37 * 5 * 4, 38 * 5 * 4))).toBe(true);
        for (const threads of [2, 3]) {
          nn.setThreads(threads);
          expect(bytes(model.predict(x).data).equals(want)).toBe(true);
          expect(bytes((await model.predictAsync(x)).data).equals(want)).toBe(true);
          expect(bytes(model.predict(x.slice(37, 38)).data).equals(one)).toBe(true);
        }
      });
    });

  it('trains to the same losses on every ISA (within float rounding)', async () => {
    const y = nn.tensor(
      Float32Array.from({ length: rows }, (_, i) => i % 5),
      [rows],
    );
    const curves: number[][] = [];
    for (const isa of ISAS) {
      const m = withIsa(isa, () => build());
      m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      const h = await withIsaAsync(isa, () => m.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, seed: 2 }));
      curves.push(h.history.loss!);
    }
    for (const c of curves.slice(1)) c.forEach((v, i) => expect(Math.abs(v - curves[0]![i]!)).toBeLessThan(1e-4));
  });
});
