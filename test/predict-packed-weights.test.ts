// predict() packs each dense kernel once and reuses the packed copy while the
// weights are unchanged. These tests prove that no change of the weights is
// missed: after each way of changing them (a training step, setWeights, a
// load, an ISA switch), a batch prediction (which reads the packed copy) is
// bitwise equal to the same rows predicted one at a time (which read the
// weights themselves and never use the copy).
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, randomArray, rng, withIsa } from './helpers.js';

const ROWS = 64; // well above the row count from which products pack B
const INPUTS = 37;

function build(seed: number): nn.Sequential {
  const model = nn.sequential([
    nn.layers.dense({ units: 80, inputDim: INPUTS, activation: 'relu' }),
    nn.layers.dense({ units: 48, activation: 'tanh' }),
    nn.layers.dense({ units: 5, activation: 'softmax' }),
  ]);
  model.build(INPUTS, seed);
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

const x = nn.tensor(randomArray(ROWS * INPUTS, rng(7), -0.5, 0.5), [ROWS, INPUTS]);
const labels = nn.tensor(
  Float32Array.from({ length: ROWS }, (_, i) => i % 5),
  [ROWS],
);

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The batch prediction equals the rows predicted one by one, bit for bit. */
function expectBatchMatchesRows(model: nn.Sequential): Float32Array {
  const batch = model.predict(x).data;
  const rows = new Float32Array(batch.length);
  const out = batch.length / ROWS;
  for (let r = 0; r < ROWS; r++) {
    const one = model.predict(nn.tensor(x.data.slice(r * INPUTS, (r + 1) * INPUTS), [1, INPUTS])).data;
    rows.set(one, r * out);
  }
  expect(bytes(batch).equals(bytes(rows))).toBe(true);
  return batch;
}

describe('predict with packed weights', () => {
  it('sees the weights a training step wrote', async () => {
    const model = build(3);
    const before = expectBatchMatchesRows(model);
    await model.fit(x, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    const after = expectBatchMatchesRows(model);
    expect(bytes(after).equals(bytes(before))).toBe(false);
  });

  it('sees the weights setWeights copied in, and those of a loaded model', async () => {
    const model = build(5);
    const first = expectBatchMatchesRows(model);
    model.setWeights(build(11).getWeights());
    const second = expectBatchMatchesRows(model);
    expect(bytes(second).equals(bytes(first))).toBe(false);
    const loaded = (await nn.loadModel(model.toBuffer())) as nn.Sequential;
    expect(bytes(expectBatchMatchesRows(loaded)).equals(bytes(second))).toBe(true);
  });

  it('is unchanged by evaluate and computeGradients, which do not change the weights', () => {
    const model = build(9);
    const first = expectBatchMatchesRows(model);
    model.evaluate(x, labels);
    model.computeGradients(x, labels);
    expect(bytes(expectBatchMatchesRows(model)).equals(bytes(first))).toBe(true);
  });

  it('repacks for each ISA it runs on', () => {
    const model = build(13);
    model.predict(x); // packed for the default ISA
    for (const isa of ISAS) withIsa(isa, () => expectBatchMatchesRows(model));
    expectBatchMatchesRows(model);
  });
});
