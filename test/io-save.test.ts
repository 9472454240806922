// Saving and loading: folder and Buffer round trips are bit-for-bit, training
// resumes exactly, saves are atomic.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activation, dense, dropout } from '../lib/layers.js';
import { Sequential } from '../lib/model.js';
import { adam, rmsprop, sgd } from '../lib/optimizers.js';
import { l1, l1l2, l2 } from '../lib/regularizers.js';
import { exponentialDecay } from '../lib/schedules.js';
import { loadModel } from '../lib/io/load.js';
import type { LossName } from '../lib/names.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-io-'));

/** Deterministic pseudo-random floats. */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function data(rows: number, inputs: number, outputs: number, loss: LossName, seed = 1) {
  const x = new Float32Array(rand(rows * inputs, seed).map((v) => v * 4));
  let y: number[][] | number[];
  if (loss === 'sparseCategoricalCrossentropy') y = Array.from({ length: rows }, (_, i) => i % outputs);
  else if (loss === 'categoricalCrossentropy')
    y = Array.from({ length: rows }, (_, i) => Array.from({ length: outputs }, (_, j) => (j === i % outputs ? 1 : 0)));
  else if (loss === 'binaryCrossentropy')
    y = Array.from({ length: rows }, (_, i) => Array.from({ length: outputs }, (_, j) => (i + j) % 2));
  else y = Array.from({ length: rows }, (_, i) => Array.from({ length: outputs }, (_, j) => Math.sin(i + j)));
  return { x: [...Array(rows)].map((_, i) => Array.from(x.subarray(i * inputs, (i + 1) * inputs))), y };
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Same predictions, weights, description and optimizer state, bit for bit. */
function expectIdentical(a: Sequential, b: Sequential, x: number[][]): void {
  expect(b.toJSON()).toEqual(JSON.parse(JSON.stringify(a.toJSON())));
  expect(bytes(b.predict(x).data).equals(bytes(a.predict(x).data))).toBe(true);
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((w, i) => expect(bytes(wb[i]!).equals(bytes(w))).toBe(true));
  const sa = a.getOptimizerState();
  const sb = b.getOptimizerState();
  if (sa === null) expect(sb).toBeNull();
  else {
    expect(sb!.iterations).toBe(sa.iterations);
    expect(sb!.slots.map((s) => [s.name, s.param])).toEqual(sa.slots.map((s) => [s.name, s.param]));
    sa.slots.forEach((s, i) => expect(bytes(sb!.slots[i]!.data).equals(bytes(s.data))).toBe(true));
  }
}

const ARCHITECTURES: {
  name: string;
  inputs: number;
  outputs: number;
  loss: LossName;
  make: () => Sequential;
  optimizer: () => ReturnType<typeof adam>;
}[] = [
  {
    name: 'relu + softmax, adam',
    inputs: 5,
    outputs: 3,
    loss: 'categoricalCrossentropy',
    make: () =>
      new Sequential([
        dense({ units: 8, inputDim: 5, activation: 'relu' }),
        dense({ units: 3, activation: 'softmax' }),
      ]),
    optimizer: () => adam({ learningRate: 0.01, amsgrad: true }),
  },
  {
    name: 'no bias, tanh, sgd with nesterov momentum',
    inputs: 4,
    outputs: 2,
    loss: 'meanSquaredError',
    make: () =>
      new Sequential([
        dense({ units: 6, inputDim: 4, activation: 'tanh', useBias: false }),
        dense({ units: 2, useBias: false, name: 'head' }),
      ]),
    optimizer: () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
  },
  {
    name: 'dropout, regularizers, activation layers, rmsprop with a schedule',
    inputs: 6,
    outputs: 1,
    loss: 'binaryCrossentropy',
    make: () =>
      new Sequential([
        dense({ units: 7, inputDim: 6, activation: 'gelu', kernelRegularizer: l2(1e-3), biasRegularizer: l1(1e-4) }),
        dropout({ rate: 0.25 }),
        dense({ units: 5, activation: 'elu', kernelRegularizer: l1l2({ l1: 1e-4, l2: 1e-3 }) }),
        activation({ activation: 'leakyRelu' }),
        dense({ units: 4, activation: 'softplus' }),
        dense({ units: 1, activation: 'sigmoid' }),
      ]),
    optimizer: () => rmsprop({ learningRate: 0.01, schedule: exponentialDecay({ decaySteps: 3, decayRate: 0.9 }) }),
  },
  {
    name: 'sparse softmax, adagrad by name',
    inputs: 3,
    outputs: 4,
    loss: 'sparseCategoricalCrossentropy',
    make: () => new Sequential([dense({ units: 4, inputDim: 3, activation: 'softmax' })]),
    optimizer: () => adam(),
  },
];

describe('save and load', () => {
  for (const arch of ARCHITECTURES) {
    it(`round trips bit for bit: ${arch.name}`, async () => {
      const m = arch.make();
      m.compile({ optimizer: arch.optimizer(), loss: arch.loss, metrics: ['accuracy'] });
      const { x, y } = data(40, arch.inputs, arch.outputs, arch.loss);
      await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 3 });
      const dir = tmp();
      await m.save(dir);
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await loadModel(dir);
      expectIdentical(m, loaded, x);
      // model.json itself, and the Buffer form, load the same.
      expectIdentical(m, await loadModel(join(dir, 'model.json')), x);
      const buf = m.toBuffer();
      expectIdentical(m, await loadModel(buf), x);
      // Any alignment and view: an unaligned Uint8Array copy and an ArrayBuffer.
      const shifted = new Uint8Array(buf.length + 3);
      shifted.set(buf, 3);
      expectIdentical(m, await loadModel(shifted.subarray(3)), x);
      expectIdentical(m, await loadModel(new Uint8Array(buf).buffer), x);
      // A buffer written to a file loads from its path.
      writeFileSync(join(dir, 'model.simdnn'), buf);
      expectIdentical(m, await loadModel(join(dir, 'model.simdnn')), x);
    });
  }

  it('saves an uncompiled model, and without the optimizer on request', async () => {
    const m = new Sequential([dense({ units: 3, inputDim: 2, activation: 'relu' }), dense({ units: 1 })]);
    const x = [
      [1, 2],
      [-3, 0.5],
    ];
    const dir = tmp();
    await m.save(dir);
    const loaded = await loadModel(dir);
    expectIdentical(m, loaded, x);
    expect(loaded.compileConfig).toBeUndefined();

    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(x, [[1], [0]], { epochs: 2, verbose: 0 });
    await m.save(dir, { includeOptimizer: false });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.optimizer).toBeUndefined();
    expect(json.formatVersion).toBe(1);
    const plain = await loadModel(dir);
    expect(plain.compileConfig?.loss).toBe('meanSquaredError');
    expect(plain.getOptimizerState()!.iterations).toBe(0);
    expect(bytes(plain.predict(x).data).equals(bytes(m.predict(x).data))).toBe(true);
    expect(m.toBuffer({ includeOptimizer: false }).length).toBeLessThan(m.toBuffer().length);
  });

  it('records the format: manifest offsets, checksums, little-endian float32 weights then optimizer slots', async () => {
    const m = new Sequential([dense({ units: 2, inputDim: 3, name: 'first' }), dense({ units: 1, useBias: false })]);
    m.compile({ optimizer: adam(), loss: 'meanSquaredError' });
    const dir = tmp();
    await m.save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, 'weights.bin'));
    expect(json.format).toBe('simdnn');
    expect(json.weights).toEqual([
      { name: 'first/kernel', shape: [3, 2], byteOffset: 0, byteLength: 24 },
      { name: 'first/bias', shape: [2], byteOffset: 24, byteLength: 8 },
      { name: 'dense_1/kernel', shape: [2, 1], byteOffset: 32, byteLength: 8 },
    ]);
    expect(json.optimizer.iterations).toBe(0);
    expect(json.optimizer.slots.length).toBeGreaterThan(0);
    expect(json.weightsByteLength).toBe(bin.length);
    expect(json.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    const w = m.getWeights();
    for (let i = 0; i < 6; i++) expect(bin.readFloatLE(4 * i)).toBe(w[0]![i]);
    expect(m.toBuffer().subarray(0, 8).toString('latin1')).toBe('SIMDNN\0\x01');
  });

  it('resumes training exactly: 2 epochs + save + load + 1 epoch equals 3 epochs', async () => {
    for (const [loss, optimizer] of [
      ['categoricalCrossentropy', () => adam({ learningRate: 0.01 })],
      ['meanSquaredError', () => sgd({ learningRate: 0.02, momentum: 0.9 })],
      [
        'meanSquaredError',
        () => rmsprop({ learningRate: 0.005, schedule: exponentialDecay({ decaySteps: 2, decayRate: 0.8 }) }),
      ],
    ] as const) {
      const make = () =>
        new Sequential([
          dense({ units: 10, inputDim: 4, activation: 'relu', kernelRegularizer: l2(1e-3) }),
          dense({ units: 3, activation: loss === 'categoricalCrossentropy' ? 'softmax' : 'linear' }),
        ]);
      const { x, y } = data(50, 4, 3, loss, 7);
      const a = make();
      a.compile({ optimizer: optimizer(), loss });
      a.build(4, 11);
      const b = make();
      b.compile({ optimizer: optimizer(), loss });
      b.build(4, 99);
      b.setWeights(a.getWeights());
      const opts = { batchSize: 8, shuffle: false, verbose: 0 } as const;

      await a.fit(x, y, { ...opts, epochs: 2 });
      a.learningRate = a.learningRate * 0.5; // as reduceLROnPlateau would; saved with the optimizer state
      const dir = tmp();
      await a.save(dir);
      const resumed = await loadModel(dir);
      await resumed.fit(x, y, { ...opts, epochs: 1 });

      await b.fit(x, y, { ...opts, epochs: 2 });
      b.learningRate = b.learningRate * 0.5;
      await b.fit(x, y, { ...opts, epochs: 1 });

      // With shuffle: false (and no dropout) training is deterministic, so resuming is exact.
      expectIdentical(b, resumed, x);
    }
  });

  it('resumes exactly with shuffling and dropout: the random state is saved too', async () => {
    const make = () =>
      new Sequential([
        dense({ units: 12, inputDim: 4, activation: 'relu' }),
        dropout({ rate: 0.3 }),
        dense({ units: 3, activation: 'softmax' }),
      ]);
    const { x, y } = data(60, 4, 3, 'categoricalCrossentropy', 3);
    const a = make();
    a.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    a.build(4, 1);
    const b = make();
    b.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    b.build(4, 2);
    b.setWeights(a.getWeights());
    const opts = { batchSize: 8, shuffle: true, verbose: 0 } as const;
    await a.fit(x, y, { ...opts, epochs: 2, seed: 5 });
    const dir = tmp();
    await a.save(dir);
    const resumed = await loadModel(dir);
    await resumed.fit(x, y, { ...opts, epochs: 1 });
    await b.fit(x, y, { ...opts, epochs: 2, seed: 5 });
    await b.fit(x, y, { ...opts, epochs: 1 });
    expectIdentical(b, resumed, x);
  });

  it('writes atomically: no temp files stay, also when a write fails', async () => {
    const m = new Sequential([dense({ units: 2, inputDim: 2 })]);
    const dir = join(tmp(), 'nested', 'model');
    await m.save(dir); // mkdir -p
    await m.save(dir); // overwrite
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);

    const blocked = tmp();
    mkdirSync(join(blocked, 'model.json')); // renaming onto a folder fails
    await expect(m.save(blocked)).rejects.toThrow();
    expect(readdirSync(blocked).sort()).toEqual(['model.json', 'weights.bin']);

    const onnxDir = tmp();
    await m.exportOnnx(join(onnxDir, 'm.onnx'));
    expect(readdirSync(onnxDir)).toEqual(['m.onnx']);

    const file = join(tmp(), 'file');
    writeFileSync(file, 'x');
    await expect(m.save(file)).rejects.toThrow(
      `Expected a folder (or a path where one can be created) for path, but received ${JSON.stringify(file)}, which is a file`,
    );
  });
});
