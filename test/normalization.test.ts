// Batch and layer normalization: gradients by finite differences of a float64
// reference after dense, conv1d and conv2d layers (training and inference
// mode, batches of 1, 2 and 5, every ISA), the moving statistics, folding
// into the layer before in predict, and the trainable switch.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, relError, rng, withIsa } from './helpers.js';
import { type RefSpec, mse, refForward, refGradients } from './norm-reference.js';

type Position = 'dense' | 'conv1d' | 'conv2d';
type Norm = 'bn' | 'ln';

interface Case {
  model: nn.Sequential;
  specs: RefSpec[];
  sample: number[];
}

function build(
  position: Position,
  norm: Norm,
  opts: { center?: boolean; scale?: boolean; momentum?: number } = {},
): Case {
  const normLayer =
    norm === 'bn'
      ? nn.layers.batchNormalization({ momentum: opts.momentum ?? 0.9, center: opts.center, scale: opts.scale })
      : nn.layers.layerNormalization({ center: opts.center, scale: opts.scale });
  const normSpec: RefSpec =
    norm === 'bn'
      ? { type: 'bn', momentum: opts.momentum ?? 0.9, center: opts.center, scale: opts.scale }
      : { type: 'ln', center: opts.center, scale: opts.scale };
  let first: nn.Layer;
  let firstSpec: RefSpec;
  let sample: number[];
  if (position === 'dense') {
    sample = [5];
    first = nn.layers.dense({ units: 6, inputDim: 5 });
    firstSpec = { type: 'dense', units: 6 };
  } else if (position === 'conv1d') {
    sample = [6, 2];
    first = nn.layers.conv1d({ filters: 3, kernelSize: 2, inputShape: sample });
    firstSpec = { type: 'conv', filters: 3, k: [2] };
  } else {
    sample = [4, 4, 2];
    first = nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: sample });
    firstSpec = { type: 'conv', filters: 3, k: [2, 2] };
  }
  const layers = [first, normLayer, nn.layers.activation({ activation: 'relu' })];
  const specs: RefSpec[] = [firstSpec, normSpec, { type: 'relu' }];
  if (position !== 'dense') {
    layers.push(nn.layers.flatten());
    specs.push({ type: 'flatten' });
  }
  layers.push(nn.layers.dense({ units: 2 }));
  specs.push({ type: 'dense', units: 2 });
  const model = nn.sequential(layers);
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  return { model, specs, sample };
}

/** Random weights (moving variance positive), set on the model and returned as it holds them. */
function randomize(c: Case, seed: number): Float32Array[] {
  const r = rng(seed);
  const shapes = c.model.weightShapes();
  const names = c.model.layers.flatMap((l, i) => l.weights(i === 0 ? c.sample : layerInput(c, i)).map((w) => w.name));
  const w = shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let j = 0; j < n; j++)
      a[j] =
        names[i] === 'movingVariance'
          ? 0.5 + r(0, 1)
          : names[i] === 'gamma'
            ? 1 + 0.5 * r()
            : names[i] === 'movingMean'
              ? 0.3 * r()
              : 0.8 * r();
    return a;
  });
  c.model.setWeights(w);
  return c.model.getWeights();
}

function layerInput(c: Case, i: number): number[] {
  let shape = c.sample;
  for (let j = 0; j < i; j++) shape = c.model.layers[j]!.outputShape(shape);
  return shape;
}

function data(c: Case, n: number, seed: number) {
  const r = rng(seed);
  const size = c.sample.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size).map(() => 1.5 * r() + 0.5);
  const y = new Float32Array(n * 2).map(() => r());
  return { x: nn.tensor(x, [n, ...c.sample]), y: nn.tensor(y, [n, 2]), x64: Float64Array.from(x) };
}

const POSITIONS: Position[] = ['dense', 'conv1d', 'conv2d'];

/** ||got − want|| / max(||want||, 1e-3): relative, absolute for gradients that are 0 (a bias before a batch normalization). */
function gradError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let norm = 0;
  for (let j = 0; j < want.length; j++) {
    err += (got[j]! - want[j]!) ** 2;
    norm += want[j]! ** 2;
  }
  return Math.sqrt(err) / Math.max(1e-3, Math.sqrt(norm));
}

describe('normalization gradients match finite differences of a float64 reference', () => {
  for (const isa of ISAS)
    for (const norm of ['bn', 'ln'] as Norm[])
      for (const position of POSITIONS)
        for (const rows of [1, 2, 5])
          it(`${norm} after ${position}, batch ${rows}, training mode, ${isa}`, () => {
            withIsa(isa, () => {
              const c = build(position, norm);
              const w = randomize(c, 11 + rows);
              const d = data(c, rows, 3 + rows);
              const x = { data: d.x64, shape: [rows, ...c.sample] };
              const want = refGradients(c.specs, w, x, d.y.data, true);
              const got = c.model.computeGradients(d.x, d.y, { training: true });
              expect(got.grads.length).toBe(want.length);
              const lossRef = mse(refForward(c.specs, w, x, true).y, d.y.data);
              expect(Math.abs(got.loss - lossRef)).toBeLessThan(1e-5 * Math.max(1, lossRef));
              got.grads.forEach((g, i) => {
                expect(g.every(Number.isFinite)).toBe(true);
                expect(gradError(g, want[i]!), `tensor ${i}`).toBeLessThan(2e-3);
              });
            });
          });
  for (const norm of ['bn', 'ln'] as Norm[])
    for (const position of POSITIONS)
      it(`${norm} after ${position} without center and scale, and in inference mode`, () => {
        for (const training of [true, false]) {
          const c = build(position, norm, { center: false, scale: norm === 'ln' });
          const w = randomize(c, 5);
          const d = data(c, 3, 9);
          const x = { data: d.x64, shape: [3, ...c.sample] };
          const want = refGradients(c.specs, w, x, d.y.data, training);
          const got = c.model.computeGradients(d.x, d.y, { training });
          got.grads.forEach((g, i) => {
            const moving = norm === 'bn' && (i === 2 || i === 3) && c.specs[1]!.type === 'bn';
            if (moving) expect([...g].every((v) => v === 0)).toBe(true);
            else expect(gradError(g, want[i]!), `tensor ${i}`).toBeLessThan(2e-3);
          });
        }
      });
});

describe('batch normalization statistics', () => {
  for (const position of POSITIONS)
    it(`updates the moving statistics as Keras does (after ${position}), on every ISA`, () => {
      for (const isa of ISAS)
        withIsa(isa, () => {
          const c = build(position, 'bn', { momentum: 0.8 });
          const w = randomize(c, 21);
          const d = data(c, 4, 22);
          const { stats } = refForward(c.specs, w, { data: d.x64, shape: [4, ...c.sample] }, true);
          c.model.computeGradients(d.x, d.y, { training: true });
          const after = c.model.getWeights();
          const mm = after[4]!;
          const mv = after[5]!;
          for (let j = 0; j < mm.length; j++) {
            expect(mm[j]).toBeCloseTo(0.8 * w[4]![j]! + 0.2 * stats[0]!.mean[j]!, 5);
            expect(mv[j]).toBeCloseTo(0.8 * w[5]![j]! + 0.2 * stats[0]!.variance[j]!, 5);
          }
        });
    });

  it('gives finite outputs for a batch of one (zero variance) and trains on it', async () => {
    const c = build('dense', 'bn');
    const d = data(c, 1, 1);
    const h = await c.model.fit(d.x, d.y, { epochs: 3, batchSize: 1, verbose: 0 });
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
    expect(c.model.getWeights().every((w) => w.every(Number.isFinite))).toBe(true);
    expect(c.model.predict(d.x).data.every(Number.isFinite)).toBe(true);
  });

  it('uses the moving statistics in predict and evaluate', () => {
    const c = build('conv2d', 'bn');
    const w = randomize(c, 31);
    const d = data(c, 3, 32);
    const ref = refForward(c.specs, w, { data: d.x64, shape: [3, ...c.sample] }, false).y.data;
    c.model.setFoldBatchNorm(false);
    expect(relError(c.model.predict(d.x).data, ref)).toBeLessThan(1e-5);
    const ev = c.model.evaluate(d.x, d.y);
    expect(ev.loss).toBeCloseTo(mse({ data: ref, shape: [3, 2] }, d.y.data), 5);
    // Neither changed the moving statistics.
    expect(c.model.getWeights()[4]).toEqual(w[4]);
  });

  it('computes the same in training with 1 and 2 threads (fixed-order sums)', () => {
    const c = build('conv2d', 'bn');
    randomize(c, 41);
    const before = nn.info().threads;
    const r = rng(3);
    const x = nn.tensor(
      new Float32Array(300 * 32).map(() => r()),
      [300, 4, 4, 2],
    );
    const y = nn.tensor(
      new Float32Array(600).map(() => r()),
      [300, 2],
    );
    try {
      const w0 = c.model.getWeights();
      nn.setThreads(1);
      const g1 = c.model.computeGradients(x, y, { training: true });
      c.model.setWeights(w0);
      nn.setThreads(2);
      const g2 = c.model.computeGradients(x, y, { training: true });
      expect(g2.loss).toBe(g1.loss);
      g1.grads.forEach((g, i) => expect(g2.grads[i]).toEqual(g));
    } finally {
      nn.setThreads(before);
    }
  });
});

describe('folding batch normalization into the layer before it in predict', () => {
  for (const position of POSITIONS)
    it(`after ${position}: within 1e-5 of the unfolded outputs, the weights unchanged, refolded on change`, async () => {
      for (const isa of ISAS)
        await withIsa(isa, async () => {
          const c = build(position, 'bn');
          const w = randomize(c, 51);
          const d = data(c, 64, 52);
          const unfolded = () => {
            c.model.setFoldBatchNorm(false);
            const y = c.model.predict(d.x).data.slice();
            c.model.setFoldBatchNorm(true);
            return y;
          };
          const check = () => {
            const folded = c.model.predict(d.x).data;
            const plain = unfolded();
            let maxDiff = 0;
            let maxAbs = 0;
            for (let i = 0; i < plain.length; i++) {
              maxDiff = Math.max(maxDiff, Math.abs(folded[i]! - plain[i]!));
              maxAbs = Math.max(maxAbs, Math.abs(plain[i]!));
            }
            expect(maxDiff / maxAbs).toBeLessThan(1e-5);
            const ref = refForward(c.specs, c.model.getWeights(), { data: d.x64, shape: [64, ...c.sample] }, false);
            expect(relError(folded, ref.y.data)).toBeLessThan(1e-5);
          };
          check();
          expect(c.model.getWeights()).toEqual(w);
          // New weights (moving statistics included) are folded again.
          const w2 = w.map((a) => a.map((v) => v * 0.9));
          c.model.setWeights(w2);
          check();
          await c.model.fit(d.x, d.y, { epochs: 1, batchSize: 16, verbose: 0 });
          check();
          // The async path folds too.
          const asyncOut = await c.model.predictAsync(d.x);
          expect(asyncOut.data).toEqual(c.model.predict(d.x).data);
        });
    });

  it('builds the folded layer on the first prediction (the folding path is the one taken)', () => {
    const c = build('conv2d', 'bn');
    randomize(c, 81);
    const d = data(c, 8, 82);
    const nativeModel = (c.model as unknown as { nativeModel: { bytes(): number } }).nativeModel;
    const before = nativeModel.bytes();
    c.model.predict(d.x);
    // A copy of the conv kernel and bias (and its packed kernel) now exists.
    expect(nativeModel.bytes()).toBeGreaterThan(before + 4 * (2 * 2 * 2 * 3 + 3));
  });

  it('folds with several threads and large batches (blocked prediction) the same as with one', () => {
    const c = build('dense', 'bn');
    randomize(c, 61);
    const d = data(c, 500, 62);
    const before = nn.info().threads;
    try {
      nn.setThreads(1);
      const one = c.model.predict(d.x).data.slice();
      nn.setThreads(2);
      const two = c.model.predict(d.x).data;
      expect(relError(two, one)).toBeLessThan(1e-6);
    } finally {
      nn.setThreads(before);
    }
  });
});

describe('a normalized axis of one value (allowed, as in Keras)', () => {
  it('batch normalization of one channel and layer normalization of one feature train and predict finite values', async () => {
    const model = nn.sequential([
      nn.layers.dense({ units: 1, inputDim: 3 }),
      nn.layers.batchNormalization(),
      nn.layers.layerNormalization(),
      nn.layers.dense({ units: 2 }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const r = rng(2);
    const x = nn.tensor(
      new Float32Array(30).map(() => r()),
      [10, 3],
    );
    const y = nn.tensor(
      new Float32Array(20).map(() => r()),
      [10, 2],
    );
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const p = model.predict(x).data;
    expect(p.every(Number.isFinite)).toBe(true);
    // A layer normalization over one value outputs its beta: every sample predicts the same.
    for (let i = 1; i < 10; i++) expect(p[2 * i]).toBeCloseTo(p[0]!, 6);
  });
});

describe('trainable', () => {
  it('a frozen layer does not move (sgd with l2, adamw decay); the others do', async () => {
    for (const optimizer of [
      nn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.1 }),
      nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }),
    ]) {
      const model = nn.sequential([
        nn.layers.dense({ units: 4, inputDim: 3, kernelRegularizer: nn.regularizers.l2(0.1), trainable: false }),
        nn.layers.batchNormalization(),
        nn.layers.dense({ units: 2 }),
      ]);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const r = rng(1);
      const x = nn.tensor(
        new Float32Array(24).map(() => r()),
        [8, 3],
      );
      const y = nn.tensor(
        new Float32Array(16).map(() => r()),
        [8, 2],
      );
      const w0 = model.getWeights();
      await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      const w1 = model.getWeights();
      expect(w1[0]).toEqual(w0[0]);
      expect(w1[1]).toEqual(w0[1]);
      expect(w1[2]).not.toEqual(w0[2]); // gamma
      expect(w1[4]).not.toEqual(w0[4]); // moving mean
      expect(w1[6]).not.toEqual(w0[6]);
      // Unfreeze: it moves.
      model.layers[0]!.trainable = true;
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      expect(model.getWeights()[0]).not.toEqual(w0[0]);
    }
  });

  it('a frozen batch normalization normalizes with its moving statistics in training and keeps them', () => {
    const c = build('conv1d', 'bn');
    const w = randomize(c, 71);
    c.model.layers[1]!.trainable = false;
    const d = data(c, 4, 72);
    const specs = c.specs.map((s) => (s.type === 'bn' ? { ...s, frozen: true } : s));
    const x = { data: d.x64, shape: [4, ...c.sample] };
    const want = refGradients(specs, w, x, d.y.data, true);
    const got = c.model.computeGradients(d.x, d.y, { training: true });
    expect(got.loss).toBeCloseTo(mse(refForward(specs, w, x, true).y, d.y.data), 5);
    for (const i of [0, 1, 2, 3, 6, 7]) expect(gradError(got.grads[i]!, want[i]!), `tensor ${i}`).toBeLessThan(2e-3);
    expect(c.model.getWeights()[4]).toEqual(w[4]);
    expect(c.model.getWeights()[5]).toEqual(w[5]);
  });

  it('is saved with the model and validated', async () => {
    const model = nn.sequential([
      nn.layers.dense({ units: 3, inputDim: 2 }),
      nn.layers.batchNormalization({ trainable: false }),
    ]);
    model.layers[0]!.trainable = false;
    const copy = await nn.loadModel(model.toBuffer());
    expect(copy.layers.map((l) => l.trainable)).toEqual([false, false]);
    expect(() => nn.layers.dense({ units: 1, trainable: 1 as unknown as boolean })).toThrow(
      'Expected a boolean for trainable, but received 1',
    );
    expect(() => {
      model.layers[0]!.trainable = 'no' as unknown as boolean;
    }).toThrow(/Expected a boolean for trainable/);
  });
});
