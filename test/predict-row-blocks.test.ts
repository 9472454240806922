// With several threads, predict sends large batches through the network in
// blocks of rows (each block through every layer on one thread). These tests
// prove the outputs do not depend on it: on every ISA, for batches around the
// block size, the sync and async predictions with 2 and 3 threads are bitwise
// those of one thread, with `out` in fresh storage or in x's own storage.
// (test/native/test_predict.cc checks that the blocked path is the one taken.)
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, randomArray, rng, withIsaAsync } from './helpers.js';

const INPUTS = 100;
const OUTPUTS = 10;
const ROWS = [71, 97, 257, 1009]; // below, at and above where blocks start (97 rows for this size)

function build(): nn.Sequential {
  const model = nn.sequential([
    nn.layers.dense({ units: 128, inputDim: INPUTS, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.3 }),
    nn.layers.dense({ units: 64, activation: 'tanh' }),
    nn.layers.dense({ units: OUTPUTS, activation: 'softmax' }),
  ]);
  model.build(INPUTS, 21);
  return model;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const threadsBefore = nn.info().threads;
afterAll(() => nn.setThreads(threadsBefore));

describe('predict by blocks of rows', () => {
  const model = build();
  const inputs = ROWS.map((rows, i) => nn.tensor(randomArray(rows * INPUTS, rng(30 + i)), [rows, INPUTS]));

  for (const isa of ISAS)
    it(`gives the single-thread bits with 2 and 3 threads (${isa})`, async () => {
      await withIsaAsync(isa, async () => {
        nn.setThreads(1);
        const cases = inputs.map((x) => ({ x, want: bytes(model.predict(x).data) }));
        for (const threads of [2, 3]) {
          nn.setThreads(threads);
          for (const { x, want } of cases) {
            expect(bytes(model.predict(x).data).equals(want)).toBe(true);
            expect(bytes((await model.predictAsync(x)).data).equals(want)).toBe(true);
            const rows = x.shape[0] ?? 0;
            const out = new Float32Array(rows * OUTPUTS).fill(Number.NaN);
            expect(bytes(model.predict(x, { out }).data).equals(want)).toBe(true);
            // The outputs written over the inputs' own storage (x is read first, layer by layer).
            const own = nn.tensor(x.data.slice(), x.shape);
            const shared = new Float32Array(own.data.buffer, 0, rows * OUTPUTS);
            expect(bytes(model.predict(own, { out: shared }).data).equals(want)).toBe(true);
          }
        }
      });
    });
});

// A conv network: its first layers' outputs are wide (16 x 16 x 12 floats per sample), so predict runs them on
// sub-blocks of a few samples inside each block of rows, with one thread too.
describe('predict by blocks of rows through a conv network', () => {
  const SHAPE = [16, 16, 3];
  const SIZE = 16 * 16 * 3;
  const model = nn.sequential([
    nn.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: SHAPE }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: OUTPUTS, activation: 'softmax' }),
  ]);
  model.build(undefined, 5);
  const inputs = [71, 97, 150].map((rows, i) => nn.tensor(randomArray(rows * SIZE, rng(60 + i)), [rows, ...SHAPE]));

  for (const isa of ISAS)
    it(`gives each sample's own prediction, with 1, 2 and 3 threads (${isa})`, async () => {
      await withIsaAsync(isa, async () => {
        nn.setThreads(1);
        for (const x of inputs) {
          const rows = x.shape[0]!;
          // one sample at a time: never blocked
          const single = new Float32Array(rows * OUTPUTS);
          for (let r = 0; r < rows; r++)
            single.set(
              model.predict(nn.tensor(x.data.subarray(r * SIZE, (r + 1) * SIZE), [1, ...SHAPE])).data,
              r * OUTPUTS,
            );
          const want = model.predict(x).data;
          let maxDiff = 0;
          for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i]! - single[i]!));
          expect(maxDiff).toBeLessThan(1e-6);
          for (const threads of [2, 3]) {
            nn.setThreads(threads);
            expect(bytes(model.predict(x).data).equals(bytes(want))).toBe(true);
            expect(bytes((await model.predictAsync(x)).data).equals(bytes(want))).toBe(true);
          }
          nn.setThreads(1);
        }
      });
    });
});
