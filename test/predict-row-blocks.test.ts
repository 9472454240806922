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
