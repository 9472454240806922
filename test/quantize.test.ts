// Quantized models: outputs within a stated bound of the float model (static
// and dynamic, per channel and per tensor), the same bits on every int8
// kernel variant this CPU runs, dense and conv models (batch normalization
// folded), predictAsync, evaluate and summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { native } from '../lib/native.js';
import { randomArray, rng } from './helpers.js';

const VARIANTS: string[] = native.info().availableInt8.split(', ');
afterAll(() => native.selectInt8('auto'));

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function argmaxAgreement(a: Float32Array, b: Float32Array, cols: number): number {
  let same = 0;
  const rows = a.length / cols;
  for (let r = 0; r < rows; r++) {
    let ia = 0,
      ib = 0;
    for (let j = 1; j < cols; j++) {
      if (a[r * cols + j]! > a[r * cols + ia]!) ia = j;
      if (b[r * cols + j]! > b[r * cols + ib]!) ib = j;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}

const meanAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => m + Math.abs(v - b[i]!), 0) / a.length;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('a quantized MLP on the digits', () => {
  const { x, y } = nn.datasets.digits();
  const n = x.shape[0]!;
  const model = nn.sequential([
    nn.layers.dense({ units: 64, inputDim: 64, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.1 }),
    nn.layers.dense({ units: 32, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  let q: nn.QuantizedModel;
  const calib = nn.tensor(x.data.slice(0, 500 * 64), [500, 64]);
  beforeAll(async () => {
    await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0, seed: 1 });
    q = await model.quantize({ calibration: calib });
  });

  it('predicts within 0.15 (mean 0.005) of the float probabilities, with the same class on >= 98% of rows', () => {
    const pq = q.predict(x).data,
      pf = model.predict(x).data;
    expect(maxAbsDiff(pq, pf)).toBeLessThan(0.15);
    expect(meanAbsDiff(pq, pf)).toBeLessThan(0.005);
    expect(argmaxAgreement(pq, pf, 10)).toBeGreaterThanOrEqual(0.98);
  });

  it('evaluates to within 1 point of the float accuracy', () => {
    const eq = q.evaluate(x, y),
      ef = model.evaluate(x, y);
    expect(Math.abs(eq.accuracy! - ef.accuracy!)).toBeLessThan(0.01);
    expect(eq.loss!).toBeGreaterThan(0);
    expect(Math.abs(eq.loss! - ef.loss!)).toBeLessThan(0.05);
  });

  it('gives the same bits on every int8 kernel variant, by batch and row by row, on 1 and 2 threads', () => {
    native.selectInt8('scalar');
    const ref = q.predict(x).data;
    for (const v of VARIANTS) {
      native.selectInt8(v);
      for (const threads of [1, 2]) {
        nn.setThreads(threads);
        expect(bytes(q.predict(x).data).equals(bytes(ref)), `${v} ${threads} threads`).toBe(true);
      }
      expect(q.kernel).toBe(v);
      const one = q.predict(nn.tensor(x.data.slice(17 * 64, 18 * 64), [1, 64])).data;
      expect(bytes(one).equals(bytes(ref.slice(170, 180))), v).toBe(true);
    }
    native.selectInt8('auto');
  });

  it('predictAsync gives the bits of predict', async () => {
    const a = await q.predictAsync(x);
    expect(bytes(a.data).equals(bytes(q.predict(x).data))).toBe(true);
    expect(a.shape).toEqual([n, 10]);
  });

  it('per-tensor scales and dynamic mode stay within the bound too (0.2, mean 0.01)', async () => {
    const pf = model.predict(x).data;
    for (const opts of [{ perChannel: false }, { mode: 'dynamic' as const }, { percentile: 99.99 }]) {
      const m = await model.quantize({ calibration: calib, ...opts });
      const pq = m.predict(x).data;
      expect(maxAbsDiff(pq, pf), JSON.stringify(opts)).toBeLessThan(0.2);
      expect(meanAbsDiff(pq, pf), JSON.stringify(opts)).toBeLessThan(0.01);
      expect(argmaxAgreement(pq, pf, 10), JSON.stringify(opts)).toBeGreaterThanOrEqual(0.97);
    }
  });

  it('summary shows every op with its scales and the error on the calibration set', () => {
    const s = q.summary(false);
    expect(s).toContain('dense_0 + dropout_1');
    expect(s).toMatch(/Weight scales/);
    expect(s).toMatch(/500 calibration samples/);
    expect(q.description.calibrationError!.argmaxAgreement).toBeGreaterThan(0.97);
    expect(info().int8).toBe(native.info().int8);
  });
});

const info = () => nn.info();

describe('a quantized CNN (conv2d, batch normalization folded, ReLU layer, pooling, conv1d-free stack)', () => {
  const SHAPE = [11, 10, 3];
  const rand = rng(5);
  const rows = 97;
  const x = nn.tensor(randomArray(rows * 330, rand, 0, 1), [rows, ...SHAPE]);
  const L = nn.layers;
  const model = nn.sequential([
    L.conv2d({ filters: 13, kernelSize: 3, inputShape: SHAPE }),
    L.batchNormalization(),
    L.activation({ activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2, padding: 'same' }),
    L.conv2d({ filters: 17, kernelSize: [3, 2], padding: 'same', strides: 2, activation: 'relu' }),
    L.averagePooling2d({ poolSize: 2, padding: 'same' }),
    L.flatten(),
    L.dense({ units: 7, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  model.build(SHAPE, 3);
  // Batch statistics that are not the identity, so that folding them matters.
  const w = model.getWeights();
  const r2 = rng(9);
  w[2] = randomArray(13, r2, 0.5, 1.5); // gamma
  w[3] = randomArray(13, r2, -0.2, 0.2); // beta
  w[4] = randomArray(13, r2, -0.3, 0.3); // moving mean
  w[5] = randomArray(13, r2, 0.5, 2); // moving variance
  model.setWeights(w);

  it('predicts within 0.03 of the float model on every int8 variant, with identical bits', async () => {
    const q = await model.quantize({ calibration: x });
    const pf = model.predict(x).data;
    native.selectInt8('scalar');
    const ref = q.predict(x).data;
    expect(maxAbsDiff(ref, pf)).toBeLessThan(0.03);
    for (const v of VARIANTS) {
      native.selectInt8(v);
      expect(bytes(q.predict(x).data).equals(bytes(ref)), v).toBe(true);
    }
    native.selectInt8('auto');
    expect(q.summary(false)).toContain('conv2d_0 + batchNormalization_1 + activation_2');
  });

  it('conv1d models and global pooling quantize too', async () => {
    const m = nn.sequential([
      L.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [23, 4] }),
      L.globalAveragePooling1d(),
      L.dense({ units: 3 }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build([23, 4], 2);
    const xs = nn.tensor(randomArray(41 * 92, rng(8)), [41, 23, 4]);
    const q = await m.quantize({ calibration: xs });
    const pf = m.predict(xs).data;
    let scale = 0;
    for (const v of pf) scale = Math.max(scale, Math.abs(v));
    expect(maxAbsDiff(q.predict(xs).data, pf)).toBeLessThan(0.03 * scale + 1e-3);
  });
});
