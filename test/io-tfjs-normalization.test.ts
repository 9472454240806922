// TensorFlow.js import of BatchNormalization and LayerNormalization: models
// built, trained and saved by @tensorflow/tfjs 4.22 load with their moving
// statistics and predict what tfjs predicts (within 2e-5), after dense,
// conv1d and conv2d layers and on the input; frozen layers stay frozen;
// normalization over another axis than the last is refused by name.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../lib/io/load.js';
import { tensor } from '../lib/tensor.js';
import { type Tf, loadTfjs, saveTfjs } from './tfjs-save.js';

const tf = loadTfjs();
if (!tf) console.warn('io-tfjs-normalization: @tensorflow/tfjs is not installed; skipping');

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-tfjs-norm-'));

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (s / 2 ** 32) * (hi - lo);
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const diff = Math.abs(actual[i]! - e);
    if (!(diff <= tol + tol * Math.abs(e))) expect.fail(`${what}, value ${i}: simdnn ${actual[i]} vs tfjs ${e}`);
  }
}

/** Random weights (a moving variance in [0.2, 2], γ in [0.5, 1.5]) so that nothing is at its initial value. */
function randomize(model: Tf, seed: number): void {
  model.setWeights(
    model.weights.map((v: Tf, i: number) => {
      const name = v.originalName ?? v.name;
      const [lo, hi] = /moving_variance/.test(name) ? [0.2, 2] : /gamma/.test(name) ? [0.5, 1.5] : [-1, 1];
      return tf.tensor(
        rand(
          v.shape.reduce((a: number, b: number) => a * b, 1),
          seed + i,
          lo,
          hi,
        ),
        v.shape,
      );
    }),
  );
}

describe.skipIf(!tf)('TensorFlow.js import of normalization layers', () => {
  const L = () => tf.layers;
  const builds: [string, number[], () => Tf][] = [
    [
      'dense, batchNormalization, relu, dense',
      [6],
      () =>
        tf.sequential({
          layers: [
            L().dense({ units: 8, inputShape: [6] }),
            L().batchNormalization({}),
            L().activation({ activation: 'relu' }),
            L().dense({ units: 3 }),
          ],
        }),
    ],
    [
      'conv2d, batchNormalization, relu twice, globalAveragePooling2d, dense',
      [8, 7, 3],
      () =>
        tf.sequential({
          layers: [
            L().conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 7, 3] }),
            L().batchNormalization({ momentum: 0.9 }),
            L().reLU(),
            L().conv2d({ filters: 5, kernelSize: 3, strides: 2, useBias: false }),
            L().batchNormalization({ axis: 3, epsilon: 0.01 }),
            L().reLU(),
            L().globalAveragePooling2d({}),
            L().dense({ units: 2, activation: 'softmax' }),
          ],
        }),
    ],
    [
      'conv1d, batchNormalization without center, layerNormalization',
      [10, 2],
      () =>
        tf.sequential({
          layers: [
            L().conv1d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 2] }),
            L().batchNormalization({ center: false }),
            L().layerNormalization({ epsilon: 1e-5 }),
          ],
        }),
    ],
    [
      'batchNormalization without scale and layerNormalization without center of the input [h, w, c]',
      [3, 4, 5],
      () =>
        tf.sequential({
          layers: [
            L().batchNormalization({ scale: false, inputShape: [3, 4, 5] }),
            L().layerNormalization({ center: false }),
            L().flatten(),
            L().dense({ units: 2 }),
          ],
        }),
    ],
    [
      'dense, layerNormalization without scale, dense',
      [5],
      () =>
        tf.sequential({
          layers: [
            L().dense({ units: 7, activation: 'tanh', inputShape: [5] }),
            L().layerNormalization({ scale: false }),
            L().dense({ units: 2 }),
          ],
        }),
    ],
  ];

  builds.forEach(([title, shape, build], k) => {
    it(`loads and predicts the same: ${title}`, async () => {
      await tf.setBackend('cpu');
      const model = build();
      randomize(model, 50 * k);
      const file = await saveTfjs(tf, model, tmp());
      const loaded = await loadModel(file);
      expect(loaded.inputShape).toEqual(shape);
      // The weights, moving statistics included, arrive in simdnn's order.
      const byName = new Map<string, Float32Array>(
        model.weights.map((v: Tf) => [v.originalName ?? v.name, v.read().dataSync() as Float32Array]),
      );
      const names = loaded.toJSON().layers.flatMap((l) => {
        const n = l.name!;
        if (l.type === 'batchNormalization')
          return [
            ...(l.scale !== false ? [`${n}/gamma`] : []),
            ...(l.center !== false ? [`${n}/beta`] : []),
            `${n}/moving_mean`,
            `${n}/moving_variance`,
          ];
        if (l.type === 'layerNormalization')
          return [...(l.scale !== false ? [`${n}/gamma`] : []), ...(l.center !== false ? [`${n}/beta`] : [])];
        if (l.type === 'dense' || l.type === 'conv1d' || l.type === 'conv2d')
          return [`${n}/kernel`, ...(l.useBias !== false ? [`${n}/bias`] : [])];
        return [];
      });
      const weights = loaded.getWeights();
      expect(weights.length).toBe(names.length);
      names.forEach((n, i) => expect(weights[i], n).toEqual(byName.get(n)));
      const rows = 6;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = rand(rows * size, 7 + k, -2, 2);
      const expected = model.predict(tf.tensor(x, [rows, ...shape])).dataSync() as Float32Array;
      expectClose(loaded.predict(tensor(x, [rows, ...shape])).data, expected, 2e-5, title);
    });
  });

  it('loads a model trained by tfjs (its moving statistics) and keeps a frozen layer frozen', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        L().conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2] }),
        L().batchNormalization({ momentum: 0.5 }),
        L().reLU(),
        L().flatten(),
        L().dense({ units: 4 }),
        L().batchNormalization({ momentum: 0.8, trainable: false }),
        L().dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    const n = 12;
    const xs = rand(n * 50, 3, 0, 3);
    await model.fit(tf.tensor(xs, [n, 5, 5, 2]), tf.tensor(rand(n, 4), [n, 1]), {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
    });
    const movingMean = model.layers[1].getWeights()[2].dataSync() as Float32Array;
    expect(movingMean.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    const file = await saveTfjs(tf, model, tmp());
    const loaded = await loadModel(file);
    expect(loaded.layers.map((l) => l.trainable)).toEqual([true, true, true, true, true, false, true]);
    expect(loaded.getWeights()[4]).toEqual(movingMean);
    const expected = model.predict(tf.tensor(xs, [n, 5, 5, 2])).dataSync() as Float32Array;
    expectClose(loaded.predict(tensor(xs, [n, 5, 5, 2])).data, expected, 2e-5, 'trained');
  });

  it('refuses normalization over another axis than the last, and a bad momentum or epsilon, naming the field', async () => {
    await tf.setBackend('cpu');
    const axis1 = await saveTfjs(
      tf,
      tf.sequential({
        layers: [L().conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 2] }), L().batchNormalization({ axis: 1 })],
      }),
      tmp(),
    );
    await expect(loadModel(axis1)).rejects.toThrow(
      /^Expected the last axis \(-1 or 3: simdnn normalizes over the channels\) for "axis" of layer "batch_normalization_BatchNormalization\d+" \(BatchNormalization\) in .*model\.json, but received 1$/,
    );
    const ok = await saveTfjs(
      tf,
      tf.sequential({ layers: [L().dense({ units: 2, inputShape: [3] }), L().layerNormalization({})] }),
      tmp(),
    );
    const json = JSON.parse(readFileSync(ok, 'utf8'));
    json.modelTopology.config.layers[1].config.epsilon = 0;
    writeFileSync(ok, JSON.stringify(json));
    await expect(loadModel(ok)).rejects.toThrow(/^Expected a number above 0 for "epsilon" of layer .* but received 0$/);
    const bn = await saveTfjs(
      tf,
      tf.sequential({ layers: [L().dense({ units: 2, inputShape: [3] }), L().batchNormalization({})] }),
      tmp(),
    );
    const json2 = JSON.parse(readFileSync(bn, 'utf8'));
    json2.modelTopology.config.layers[1].config.momentum = 1;
    writeFileSync(bn, JSON.stringify(json2));
    await expect(loadModel(bn)).rejects.toThrow(
      /^Expected a number in \[0, 1\) for "momentum" of layer .* but received 1$/,
    );
  });
});
