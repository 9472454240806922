// Property-based tests across the tensor, matmul, fit and predict boundary:
// random shapes (with 0, 1 and primes) and options, valid and invalid. Valid
// calls agree with a float64 reference (matmul) or give finite, deterministic
// results (fit, predict); invalid ones throw a clean TypeError or RangeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { matmulRef, relError } from './helpers.js';

const SEED = 20261128;
const params = (numRuns: number) => ({ numRuns, seed: SEED });

/** Dimensions worth trying: 0, 1, small primes, tile edges and a few larger ones. */
const dim: fc.Arbitrary<number> = fc.constantFrom(0, 1, 2, 3, 5, 7, 8, 11, 13, 16, 17, 31, 33, 47, 64, 65, 97);
const posDim: fc.Arbitrary<number> = fc.constantFrom(1, 2, 3, 5, 7, 13, 17, 31);

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** The thrown value of fn, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function isCleanError(e: unknown): boolean {
  return (e instanceof TypeError || e instanceof RangeError) && /^Expected .+ for .+, but received /.test(e.message);
}

/** Anything a user might pass by mistake. */
const junk = fc.oneof(
  fc.constantFrom(undefined, null, NaN, Infinity, -1, 0, 1.5, '', 'x', true, [], {}, [[]], [1, 'a'], () => 1),
  fc.string(),
  fc.double(),
  fc.object(),
  fc.array(fc.oneof(fc.double(), fc.string()), { maxLength: 4 }),
);

describe('tensor properties', () => {
  it('accepts exactly the shapes whose product is the length', () => {
    fc.assert(
      fc.property(fc.array(dim, { maxLength: 4 }), fc.integer({ min: -2, max: 2 }), (shape, delta) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const len = size + delta;
        if (len < 0) return;
        const data = values(len, len + 1);
        if (delta === 0) {
          const t = nn.tensor(data, shape);
          expect(t.shape).toEqual(shape);
          expect(t.size).toBe(size);
          expect(t.data).toBe(data);
        } else {
          const e = thrown(() => nn.tensor(data, shape));
          expect(e).toBeInstanceOf(RangeError);
          expect((e as Error).message).toBe(
            `Expected a shape whose product is ${len} for values of length ${len}, but received [${shape.join(', ')}]`,
          );
        }
      }),
      params(300),
    );
  });

  it('round-trips nested arrays through toArray', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<number>(1, 2, 3, 5), { minLength: 1, maxLength: 3 }), (shape) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const t = nn.tensor(values(size, size), shape);
        const again = nn.tensor(t.toArray() as number[]);
        expect(again.shape).toEqual(shape);
        expect(Array.from(again.data)).toEqual(Array.from(t.data));
      }),
      params(100),
    );
  });

  it('rejects junk with a clean TypeError or RangeError', () => {
    fc.assert(
      fc.property(junk, fc.option(junk), (v, shape) => {
        const e = thrown(() => nn.tensor(v as number[], (shape ?? undefined) as number[] | undefined));
        if (e !== undefined) expect(isCleanError(e), String(e)).toBe(true);
      }),
      params(400),
    );
  });
});

describe('matmul properties', () => {
  it('agrees with a float64 reference for every shape and transpose, sync and async alike', async () => {
    await fc.assert(
      fc.asyncProperty(dim, dim, dim, fc.boolean(), fc.boolean(), async (m, n, k, ta, tb) => {
        const a = values(m * k, m * 31 + k);
        const b = values(k * n, n * 17 + k + 1);
        const A = nn.tensor(a, ta ? [k, m] : [m, k]);
        const B = nn.tensor(b, tb ? [n, k] : [k, n]);
        const c = nn.matmul(A, B, { transposeA: ta, transposeB: tb });
        expect(c.shape).toEqual([m, n]);
        const want = matmulRef(a, b, m, n, k, ta, tb);
        if (k === 0) expect(Array.from(c.data).every((v) => v === 0)).toBe(true);
        else expect(relError(c.data, want)).toBeLessThan(1e-5);
        // Work is never split over k: the async product is bit for bit the same.
        const d = await nn.matmulAsync(A, B, { transposeA: ta, transposeB: tb });
        expect(Buffer.from(d.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(true);
      }),
      params(150),
    );
  });

  it('rejects mismatched inner dimensions with the sizes in the message', () => {
    fc.assert(
      fc.property(posDim, posDim, posDim, posDim, (m, k, kb, n) => {
        fc.pre(k !== kb);
        const e = thrown(() =>
          nn.matmul(nn.tensor(new Float32Array(m * k), [m, k]), nn.tensor(new Float32Array(kb * n), [kb, n])),
        );
        expect(e).toBeInstanceOf(RangeError);
        expect((e as Error).message).toBe(
          `Expected b with ${k} rows (the inner dimension of a is ${k}) for b, but received a tensor of shape [${kb}, ${n}]`,
        );
      }),
      params(100),
    );
  });

  it('rejects junk arguments and options cleanly, sync and async', async () => {
    await fc.assert(
      fc.asyncProperty(junk, junk, fc.option(junk), async (a, b, o) => {
        const opts = (o ?? undefined) as nn.MatmulOptions | undefined;
        const e = thrown(() => nn.matmul(a, b, opts));
        if (e !== undefined) expect(isCleanError(e), String(e)).toBe(true);
        const r = await nn.matmulAsync(a, b, opts).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (r !== undefined) expect(isCleanError(r), String(r)).toBe(true);
      }),
      params(300),
    );
  });
});

const ACTS = ['linear', 'relu', 'leakyRelu', 'elu', 'gelu', 'sigmoid', 'tanh', 'softplus'] as const;
const LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
] as const;
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'gd'] as const;

interface Problem {
  inputs: number;
  hidden: number;
  outputs: number;
  act: (typeof ACTS)[number];
  loss: (typeof LOSSES)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  n: number;
  batchSize: number;
  epochs: number;
  dropout: number;
}

const problem: fc.Arbitrary<Problem> = fc.record({
  inputs: posDim,
  hidden: posDim,
  outputs: fc.constantFrom(1, 2, 3, 5),
  act: fc.constantFrom(...ACTS),
  loss: fc.constantFrom(...LOSSES),
  optimizer: fc.constantFrom(...OPTIMIZERS),
  n: fc.constantFrom(1, 2, 3, 5, 7, 13, 31),
  batchSize: fc.constantFrom(1, 2, 3, 7, 32, 1000),
  epochs: fc.constantFrom(1, 2),
  dropout: fc.constantFrom(0, 0, 0.3),
});

function build(p: Problem): nn.Sequential {
  const classify = p.loss.includes('ategorical');
  const last = classify ? 'softmax' : p.loss === 'binaryCrossentropy' ? 'sigmoid' : 'linear';
  const outputs = classify ? Math.max(2, p.outputs) : p.outputs;
  const layers = [nn.layers.dense({ units: p.hidden, inputDim: p.inputs, activation: p.act })];
  if (p.dropout) layers.push(nn.layers.dropout({ rate: p.dropout }));
  layers.push(nn.layers.dense({ units: outputs, activation: last }));
  const m = nn.sequential(layers);
  m.build(p.inputs, 7);
  const opt = nn.optimizers[p.optimizer]({ learningRate: 0.01 });
  m.compile({ optimizer: opt, loss: p.loss, metrics: ['accuracy', 'mse'] });
  return m;
}

function data(p: Problem, outputs: number): { x: nn.Tensor; y: nn.Tensor } {
  const x = nn.tensor(values(p.n * p.inputs, p.n + p.inputs), [p.n, p.inputs]);
  let y: nn.Tensor;
  if (p.loss === 'sparseCategoricalCrossentropy')
    y = nn.tensor(Float32Array.from({ length: p.n }, (_, i) => i % outputs));
  else if (p.loss === 'categoricalCrossentropy')
    y = nn.tensor(
      Float32Array.from({ length: p.n * outputs }, (_, i) =>
        i % outputs === Math.floor(i / outputs) % outputs ? 1 : 0,
      ),
      [p.n, outputs],
    );
  else if (p.loss === 'binaryCrossentropy')
    y = nn.tensor(
      Float32Array.from({ length: p.n * outputs }, (_, i) => i % 2),
      [p.n, outputs],
    );
  else y = nn.tensor(values(p.n * outputs, 99), [p.n, outputs]);
  return { x, y };
}

describe('fit and predict properties', () => {
  it('train to finite, deterministic weights and predictions on any small problem', async () => {
    await fc.assert(
      fc.asyncProperty(problem, async (p) => {
        const runOnce = async () => {
          const m = build(p);
          const { x, y } = data(p, m.outputDim!);
          const h = await m.fit(x, y, { epochs: p.epochs, batchSize: p.batchSize, seed: 3, verbose: 0 });
          const pred = m.predict(x);
          const predAsync = await m.predictAsync(x);
          return { m, h, pred, predAsync, x, y };
        };
        const a = await runOnce();
        const b = await runOnce();
        expect(a.h.history.loss!.length).toBe(p.epochs);
        for (const v of a.h.history.loss!) expect(Number.isFinite(v)).toBe(true);
        expect(a.pred.shape).toEqual([p.n, a.m.outputDim]);
        expect(a.pred.data.every(Number.isFinite)).toBe(true);
        expect(Array.from(a.predAsync.data)).toEqual(Array.from(a.pred.data));
        expect(Array.from(b.pred.data)).toEqual(Array.from(a.pred.data));
        expect(b.h.history.loss).toEqual(a.h.history.loss);
        const e = a.m.evaluate(a.x, a.y);
        expect(Number.isFinite(e.loss)).toBe(true);
      }),
      params(40),
    );
  }, 120_000);

  it('reject bad fit options with a clean TypeError or RangeError, or train', async () => {
    const option = (valid: fc.Arbitrary<unknown>) => fc.oneof(valid, junk);
    const options = fc.record(
      {
        epochs: option(fc.constantFrom(0, 1, 2)),
        batchSize: option(fc.constantFrom(1, 4, 100)),
        validationSplit: option(fc.constantFrom(0, 0.25, 0.5, 0.99)),
        shuffle: option(fc.boolean()),
        seed: option(fc.constantFrom(0, 1, 2 ** 32 - 1)),
        classWeight: option(fc.constantFrom({ 0: 1, 1: 2 }, { 2: 0.5 })),
        verbose: option(fc.constantFrom(0)),
        initialEpoch: option(fc.constantFrom(0, 1)),
        checkFinite: option(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        const m = build({
          inputs: 3,
          hidden: 4,
          outputs: 3,
          act: 'relu',
          loss: 'sparseCategoricalCrossentropy',
          optimizer: 'adam',
          n: 9,
          batchSize: 4,
          epochs: 1,
          dropout: 0,
        });
        const x = nn.tensor(values(27, 5), [9, 3]);
        const y = nn.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2]);
        const r = await m.fit(x, y, { verbose: 0, ...(o as nn.FitOptions) }).then(
          (h) => h,
          (e: unknown) => e,
        );
        if (r instanceof Error) expect(isCleanError(r), String(r)).toBe(true);
        else for (const v of (r as nn.History).history.loss ?? []) expect(Number.isFinite(v)).toBe(true);
      }),
      params(200),
    );
  }, 120_000);

  it('predict gives [rows, outputs] for matching widths and a clean RangeError otherwise', async () => {
    const m = build({
      inputs: 5,
      hidden: 3,
      outputs: 2,
      act: 'tanh',
      loss: 'meanSquaredError',
      optimizer: 'sgd',
      n: 1,
      batchSize: 1,
      epochs: 1,
      dropout: 0.3,
    });
    await fc.assert(
      fc.asyncProperty(dim, dim, async (rows, cols) => {
        const x = nn.tensor(values(rows * cols, rows + cols), [rows, cols]);
        if (rows > 0 && cols === 5) {
          const out = m.predict(x);
          expect(out.shape).toEqual([rows, 2]);
          expect(out.data.every(Number.isFinite)).toBe(true);
          // Dropout is off in predict: the same input gives the same output.
          expect(Array.from((await m.predictAsync(x)).data)).toEqual(Array.from(out.data));
        } else {
          const e = thrown(() => m.predict(x));
          expect(e).toBeInstanceOf(RangeError);
          expect(isCleanError(e), String(e)).toBe(true);
          const r = await m.predictAsync(x).catch((err: unknown) => err);
          expect(r).toBeInstanceOf(RangeError);
        }
      }),
      params(200),
    );
  });

  it('builds a model without an input size from the first data it sees', () => {
    fc.assert(
      fc.property(posDim, posDim, (rows, cols) => {
        const m = nn.sequential([nn.layers.dense({ units: 2 })]);
        expect(m.inputDim).toBeUndefined();
        const out = m.predict(nn.tensor(values(rows * cols, 1), [rows, cols]));
        expect(out.shape).toEqual([rows, 2]);
        expect(m.inputDim).toBe(cols);
      }),
      params(30),
    );
  });
});
