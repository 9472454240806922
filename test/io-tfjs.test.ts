// TensorFlow.js import: models saved by @tensorflow/tfjs itself (layers format,
// model.json + weight shards) load and predict the same within 1e-5.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../lib/io/load.js';
import { tensor } from '../lib/tensor.js';
import { saveTfjs as saveTfjsWith } from './tfjs-save.js';

/** A devDependency from the repo, else from /tmp/peers (installed outside the repo until the lead adds it). */
function peer<T>(name: string): T | undefined {
  for (const base of [import.meta.url, '/tmp/peers/package.json']) {
    try {
      return createRequire(base)(name) as T;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = any;
const tf = peer<Tf>('@tensorflow/tfjs');
if (!tf) console.warn('io-tfjs: @tensorflow/tfjs is not installed (npm i -D @tensorflow/tfjs@4.22.0); skipping');

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-tfjs-'));

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Saves a TF.js model as model.json plus `shards` weight files (test/tfjs-save.ts). */
const saveTfjs = (model: Tf, dir: string, shards = 1): Promise<string> => saveTfjsWith(tf, model, dir, shards);

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const diff = Math.abs(actual[i]! - e);
    if (!(diff <= tol + tol * Math.abs(e)))
      expect.fail(`output ${i}: simdnn ${actual[i]} vs tfjs ${e} (|diff| ${diff})`);
  }
}

describe.skipIf(!tf)('TensorFlow.js import', () => {
  it('loads tfjs convolutional models (conv, pooling, global pooling, flatten, reshape) and predicts the same', async () => {
    await tf.setBackend('cpu');
    const L = tf.layers;
    const builds: [string, number[], () => Tf][] = [
      [
        'conv2d, maxPooling2d, conv2d same strided, flatten, dense',
        [12, 11, 3],
        () =>
          tf.sequential({
            layers: [
              L.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 11, 3] }),
              L.maxPooling2d({ poolSize: 2 }),
              L.conv2d({ filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same', useBias: false }),
              L.flatten(),
              L.dense({ units: 4, activation: 'softmax' }),
            ],
          }),
      ],
      [
        'dilated conv2d, averagePooling2d same, globalAveragePooling2d',
        [10, 9, 2],
        () =>
          tf.sequential({
            layers: [
              L.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, activation: 'tanh', inputShape: [10, 9, 2] }),
              L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
              L.globalAveragePooling2d({}),
              L.dense({ units: 3 }),
            ],
          }),
      ],
      [
        'conv1d, maxPooling1d, averagePooling1d, globalMaxPooling1d',
        [20, 4],
        () =>
          tf.sequential({
            layers: [
              L.conv1d({ filters: 6, kernelSize: 3, activation: 'elu', inputShape: [20, 4] }),
              L.maxPooling1d({ poolSize: 2 }),
              L.conv1d({ filters: 5, kernelSize: 2, padding: 'same' }),
              L.averagePooling1d({ poolSize: 2, strides: 1 }),
              L.globalMaxPooling1d({}),
            ],
          }),
      ],
      [
        'reshape into conv2d, globalMaxPooling2d',
        [48],
        () =>
          tf.sequential({
            layers: [
              L.reshape({ targetShape: [4, 4, 3], inputShape: [48] }),
              L.conv2d({ filters: 4, kernelSize: 2 }),
              L.globalMaxPooling2d({}),
            ],
          }),
      ],
    ];
    for (const [name, shape, build] of builds) {
      const model = build();
      model.setWeights(model.getWeights().map((w: Tf, i: number) => tf.tensor(rand(w.size, 20 + i, 0.5), w.shape)));
      const file = await saveTfjs(model, tmp());
      const loaded = await loadModel(file);
      expect(loaded.inputShape, name).toEqual(shape);
      const rows = 5;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = rand(rows * size, name.length, 2);
      const expected = model.predict(tf.tensor(x, [rows, ...shape])).dataSync() as Float32Array;
      const actual = loaded.predict(tensor(x, [rows, ...shape])).data;
      expectClose(actual, expected, 2e-5);
    }
  });

  const ACTS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'softplus', 'gelu'];

  it('loads tfjs Sequential models and predicts the same, for every supported activation and layer', async () => {
    await tf.setBackend('cpu');
    const builds: [string, () => Tf][] = ACTS.map((act, k) => [
      act,
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 10, inputShape: [6], activation: act }),
            tf.layers.dropout({ rate: 0.2 }),
            tf.layers.dense({ units: 4, activation: act, useBias: k % 2 === 1 }),
          ],
        }),
    ]);
    builds.push([
      'InputLayer, Activation, ReLU, LeakyReLU(0.01), ELU, Softmax layers, regularizers',
      () =>
        tf.sequential({
          layers: [
            tf.layers.inputLayer({ inputShape: [6] }),
            tf.layers.dense({ units: 8, kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
            tf.layers.activation({ activation: 'tanh' }),
            tf.layers.dense({ units: 8, useBias: false }),
            tf.layers.reLU(),
            tf.layers.dense({ units: 7 }),
            tf.layers.leakyReLU({ alpha: 0.01 }),
            tf.layers.dense({ units: 7 }),
            tf.layers.elu(),
            tf.layers.dense({ units: 3 }),
            tf.layers.softmax(),
          ],
        }),
    ]);
    for (const [name, build] of builds) {
      const model = build();
      // Larger weights than the default initialization, to exercise the saturated ranges.
      model.setWeights(model.getWeights().map((w: Tf, i: number) => tf.tensor(rand(w.size, 10 + i, 1), w.shape)));
      const dir = tmp();
      const file = await saveTfjs(model, dir, name === 'relu' ? 3 : 1);
      const loaded = await loadModel(file);
      const rows = 25;
      const x = rand(rows * 6, name.length, 3);
      const expected = model.predict(tf.tensor2d(x, [rows, 6])).dataSync() as Float32Array;
      const actual = loaded.predict(tensor(x, [rows, 6])).data;
      expectClose(actual, expected);
      expect(loaded.compileConfig).toBeUndefined();
      if (name.startsWith('InputLayer')) {
        const layers = loaded.toJSON().layers;
        expect(layers.map((l) => (l.type === 'dense' ? 'dense' : l.activation))).toEqual([
          'dense',
          'tanh',
          'dense',
          'relu',
          'dense',
          'leakyRelu',
          'dense',
          'elu',
          'dense',
          'softmax',
        ]);
        expect(layers[0]!.kernelRegularizer).toEqual({ l1: 0, l2: 0.01 });
      }
    }
  });

  it('names unsupported activations and layers, and missing or truncated weight files', async () => {
    await tf.setBackend('cpu');
    const dir = tmp();
    const selu = await saveTfjs(
      tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'selu' })] }),
      dir,
    );
    await expect(loadModel(selu)).rejects.toThrow(
      /^Expected one of the activations linear, relu, sigmoid, tanh, softmax, elu, softplus, gelu \(unsupported by simdnn\) for the activation of layer "dense_Dense\d+" \(Dense\) in .*model\.json, but received "selu"$/,
    );

    const dir2 = tmp();
    const bn = await saveTfjs(
      tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), tf.layers.repeatVector({ n: 2 })] }),
      dir2,
    );
    await expect(loadModel(bn)).rejects.toThrow(
      /^Expected one of the layers InputLayer, Dense, Dropout, Activation, ReLU, Softmax, ELU, LeakyReLU, Conv2D, .*Flatten, Reshape.* \(unsupported by simdnn\) for "class_name" of layer 1 in .*model\.json, but received "RepeatVector"$/,
    );

    const dir3 = tmp();
    const leaky = await saveTfjs(
      tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), tf.layers.leakyReLU()] }),
      dir3,
    );
    await expect(loadModel(leaky)).rejects.toThrow(
      /alpha 0\.01 \(the slope of simdnn's leakyRelu\).*but received 0\.3/,
    );

    const dir4 = tmp();
    const ok = await saveTfjs(tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] })] }), dir4);
    const shard = join(dir4, 'group1-shard1of1.bin');
    const full = readFileSync(shard);
    writeFileSync(shard, full.subarray(0, full.length - 4));
    await expect(loadModel(ok)).rejects.toThrow(
      `Expected 64 bytes of weights (what ${ok} lists for weightsManifest[0]) for ${shard}, but received 60 bytes: the weight files are truncated`,
    );
    rmSync(shard);
    await expect(loadModel(ok)).rejects.toThrow(
      `Expected the weight file "./group1-shard1of1.bin" listed in ${ok} for ${shard}, but received a missing file`,
    );
    const json = JSON.parse(readFileSync(ok, 'utf8'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    writeFileSync(ok, JSON.stringify(json));
    await expect(loadModel(ok)).rejects.toThrow(
      `Expected a weight file path inside the model folder for "weightsManifest" in ${ok}, but received "../../etc/passwd"`,
    );
  });

  it('reads uint8 and float16 quantized weights (hand-written model.json)', async () => {
    const dir = tmp();
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'q',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'd', units: 2, activation: 'linear', use_bias: true, batch_input_shape: [null, 2] },
          },
        ],
      },
    };
    // kernel [2, 2] as uint8 with scale 0.5 and min -1; bias [2] as float16 (1 and -2).
    writeFileSync(join(dir, 'w.bin'), Buffer.from([0, 1, 2, 255, 0x00, 0x3c, 0x00, 0xc0]));
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: topology,
        weightsManifest: [
          {
            paths: ['w.bin'],
            weights: [
              {
                name: 'd/kernel',
                shape: [2, 2],
                dtype: 'float32',
                quantization: { dtype: 'uint8', scale: 0.5, min: -1 },
              },
              { name: 'd/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
            ],
          },
        ],
      }),
    );
    const m = await loadModel(join(dir, 'model.json'));
    expect(m.getWeights().map((w) => Array.from(w))).toEqual([
      [-1, -0.5, 0, 126.5],
      [1, -2],
    ]);
  });
});
