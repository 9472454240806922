// The native side never trusts its caller: the raw addon, called with wrong
// types, impossible sizes, mismatched lengths and objects that are not ours,
// throws clean JavaScript errors (run under ASan/UBSan by test:sanitize).
import { describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const addon = native as any;
const f32 = (n: number, v = 0.5) => new Float32Array(n).fill(v);

/** A compiled raw model: 4 inputs -> 5 relu -> 3 softmax, sparse categorical cross-entropy. */
function rawModel(loss = 5) {
  const m = new addon.Model({
    inputSize: 4,
    seed: 1,
    layers: [
      { type: 0, units: 5, activation: 1 },
      { type: 0, units: 3, activation: 7 },
    ],
  });
  m.compile({ loss, metrics: [0], optimizer: { kind: 1, learningRate: 0.01 } });
  return m;
}

function dataset(n: number, xCols: number, yCols: number) {
  const d = new addon.Dataset(n, xCols, yCols, false);
  d.write(0, 0, f32(n * xCols), false);
  d.write(
    1,
    0,
    new Float32Array(n * yCols).map((_, i) => i % 3),
    false,
  );
  return d;
}

function fails(fn: () => unknown, cls: ErrorConstructor, message: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${cls.name}: ${message}`).toBeInstanceOf(cls);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

const MEMORY =
  /^Expected sizes that fit in this machine's [\d.]+ GB of memory for .+, but received sizes needing [\d.]+ GB$/;

describe('raw addon: functions', () => {
  it('dot, matmul and matmulAsync check types, lengths and sizes', async () => {
    fails(() => addon.dot('a', f32(2)), TypeError, 'Expected a Float32Array for a');
    fails(() => addon.dot(f32(2), new Float64Array(2)), TypeError, 'Expected a Float32Array for b');
    fails(() => addon.dot(f32(2), f32(3)), RangeError, 'Expected a and b of the same length');
    fails(() => addon.matmul(f32(4), f32(4), 2, 2, 2, false, false), TypeError, 'Expected a Float32Array for out');
    fails(
      () => addon.matmul(f32(4), f32(4), 2, 2, 3, false, false, f32(4)),
      RangeError,
      'Expected a to hold m * k elements',
    );
    fails(
      () => addon.matmul(f32(4), f32(4), 2, 2, 2, false, false, f32(3)),
      RangeError,
      'Expected out to hold m * n elements',
    );
    fails(
      () => addon.matmul(f32(4), f32(4), -2, 2, 2, false, false, f32(4)),
      RangeError,
      /^Expected an integer in \[0, \d+\] for m, but received -2$/,
    );
    fails(() => addon.matmul(f32(4), f32(4), 2.5, 2, 2, false, false, f32(4)), RangeError, /for m, but received 2.5$/);
    fails(() => addon.matmul(f32(4), f32(4), NaN, 2, 2, false, false, f32(4)), RangeError, /for m, but received NaN$/);
    fails(() => addon.matmul(f32(4), f32(4), 2, '2', 2, false, false, f32(4)), TypeError, 'Expected an integer for n');
    fails(
      () => addon.matmul(f32(4), f32(4), 2, 2, 2, 0, false, f32(4)),
      TypeError,
      'Expected a boolean for transposeA',
    );
    // 0-length inputs with a huge product: refused before anything is allocated.
    fails(
      () => addon.matmul(f32(0), f32(0), 2 ** 30, 2 ** 30, 0, false, false, f32(0)),
      RangeError,
      /^Size too large: the product would have m \* n/,
    );
    fails(() => addon.matmulAsync(f32(0), f32(0), 2 ** 20, 2 ** 20, 0, false, false), RangeError, MEMORY);
    fails(
      () => addon.matmulAsync(f32(1), f32(4), 2, 2, 2, false, false),
      RangeError,
      'Expected a to hold m * k elements',
    );
    // In range: a zero product of 0-length inputs.
    expect(Array.from(await addon.matmulAsync(f32(0), f32(0), 2, 3, 0, false, false))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('setThreads and selectIsa check their argument', () => {
    fails(() => addon.setThreads('4'), TypeError, 'Expected an integer for threads');
    fails(() => addon.setThreads(0), RangeError, 'Expected an integer from 1 to 256 for threads');
    fails(
      () => addon.setThreads(1e9),
      RangeError,
      'Expected an integer in [0, 256] for threads, but received 1000000000',
    );
    fails(() => addon.selectIsa(5), TypeError, 'Expected an ISA name');
    fails(() => addon.selectIsa('sse9'), RangeError, "Unknown ISA 'sse9'");
  });
});

describe('raw addon: Model', () => {
  it('refuses bad specs, impossible sizes and calls on objects that are not models', () => {
    fails(
      () => addon.Model({ inputSize: 2, layers: [] }),
      TypeError,
      "Class constructors cannot be invoked without 'new'",
    );
    fails(() => new addon.Model(), TypeError, 'Expected a model spec');
    fails(() => new addon.Model({ inputSize: 2 }), TypeError, 'Expected an array for layers');
    fails(() => new addon.Model({ inputSize: 0, layers: [] }), RangeError, 'the input size must be at least 1');
    fails(
      () => new addon.Model({ inputSize: -1, layers: [] }),
      RangeError,
      'Expected a non-negative integer for inputSize',
    );
    fails(
      () => new addon.Model({ inputSize: 2, seed: -1, layers: [] }),
      RangeError,
      'Expected an integer from 0 to 2^64 - 1 for seed',
    );
    fails(
      () => new addon.Model({ inputSize: 2, seed: 2 ** 70, layers: [] }),
      RangeError,
      'Expected an integer from 0 to 2^64 - 1 for seed',
    );
    fails(() => new addon.Model({ inputSize: 2, layers: [5] }), TypeError, 'Expected an object for each layer');
    fails(() => new addon.Model({ inputSize: 2, layers: [{ type: 11 }] }), RangeError, 'Unknown value for type');
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 0, units: 0 }] }),
      RangeError,
      'layer 0: units must be at least 1',
    );
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 0, units: 2, activation: 99 }] }),
      RangeError,
      'Unknown value for activation',
    );
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 0, units: 2, kernelInit: 3 }] }),
      TypeError,
      'Expected an object for kernelInit',
    );
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 0, units: 2, kernelL2: -1 }] }),
      RangeError,
      'Expected non-negative regularization factors',
    );
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 1, rate: 1 }] }),
      RangeError,
      'layer 0: the dropout rate must be in [0, 1)',
    );
    fails(
      () => new addon.Model({ inputSize: 2, layers: [{ type: 0, units: 'x' }] }),
      TypeError,
      'Expected a number for units',
    );
    // Impossible sizes: a RangeError, never an abort or the OOM killer.
    fails(() => new addon.Model({ inputSize: 4, layers: [{ type: 0, units: 1e9 }] }), RangeError, MEMORY);
    fails(
      () => new addon.Model({ inputSize: 1 << 30, layers: [{ type: 0, units: 1 << 30 }] }),
      RangeError,
      'Expected a kernel of at most 2^40 weights for layer 0, but received 1073741824 x 1073741824',
    );
    fails(
      () => new addon.Model({ inputSize: 4, layers: [{ type: 0, units: 2 ** 31 }] }),
      RangeError,
      'Expected a non-negative integer for units',
    );
    // Methods called on other objects.
    const proto = addon.Model.prototype;
    fails(() => proto.predict.call({}, f32(4), 1), TypeError, 'Illegal invocation');
    fails(() => proto.setWeights.call(new addon.Dataset(1, 1, 1, false), []), TypeError, 'Illegal invocation');
  });

  it('compile, weights and state setters check everything before changing anything', () => {
    const m = rawModel();
    fails(() => m.compile(), TypeError, 'Expected compile options');
    fails(() => m.compile({ loss: 'mse' }), TypeError, 'Expected a loss id');
    fails(() => m.compile({ loss: 99, optimizer: {} }), RangeError, 'Unknown loss id');
    fails(() => m.compile({ loss: 0, metrics: ['accuracy'], optimizer: {} }), TypeError, 'Expected a metric id');
    fails(() => m.compile({ loss: 0, metrics: [42], optimizer: {} }), RangeError, 'Unknown metric id');
    fails(() => m.compile({ loss: 0 }), TypeError, 'Expected optimizer options');
    fails(() => m.compile({ loss: 0, optimizer: { kind: 9 } }), RangeError, 'Unknown value for kind');
    const before = m.getWeights();
    fails(() => m.setWeights('w'), TypeError, 'Expected an array of Float32Arrays');
    fails(() => m.setWeights([f32(20)]), RangeError, 'Expected one array per weight tensor');
    fails(
      () => m.setWeights([f32(20), f32(5), f32(15), f32(4)]),
      RangeError,
      'Expected weight 3 to be a Float32Array of length 3',
    );
    fails(
      () => m.setWeights([f32(20), f32(5), new Float64Array(15), f32(3)]),
      RangeError,
      'Expected weight 2 to be a Float32Array of length 15',
    );
    // An array whose element getter returns a huge array on the second read: each element is read once.
    const good = m.getWeights();
    const tricky = [...good];
    let reads = 0;
    Object.defineProperty(tricky, 0, { get: () => (reads++ === 0 ? good[0] : f32(1 << 20)) });
    m.setWeights(tricky);
    expect(reads).toBe(1);
    m.setWeights(before);
    expect(m.getWeights().map((w: Float32Array) => w.length)).toEqual([20, 5, 15, 3]);
    fails(() => m.setOptimizerState(5), TypeError, 'Expected an optimizer state');
    fails(
      () => m.setOptimizerState({ slots: 'x', iterations: 0 }),
      RangeError,
      "The optimizer state does not match this model's optimizer (slot count)",
    );
    const state = m.getOptimizerState();
    fails(
      () => m.setOptimizerState({ ...state, iterations: -1 }),
      RangeError,
      'Expected a non-negative iteration count',
    );
    const slots = [...state.slots];
    let slotReads = 0;
    const first = { ...slots[0] };
    const data0 = slots[0].data;
    Object.defineProperty(first, 'data', { get: () => (slotReads++ === 0 ? data0 : f32(1 << 20)) });
    slots[0] = first;
    m.setOptimizerState({ ...state, slots });
    expect(slotReads).toBe(1);
    fails(() => m.setLearningRate('fast'), TypeError, 'Expected a number for learningRate');
    fails(() => m.setRngState(3), TypeError, 'Expected a random state string');
    fails(() => m.setRngState('garbage'), RangeError, 'Expected a random state saved by simdnn');
    fails(() => m.reseed(-1), RangeError, 'Expected an integer in [0, 9007199254740992] for seed, but received -1');
  });

  it('predict, predictAsync and computeGradients check lengths, also of detached arrays', async () => {
    const m = rawModel();
    fails(() => m.predict('x', 1), TypeError, 'Expected a Float32Array for x');
    fails(() => m.predict(f32(8), 3), RangeError, 'Expected x to hold rows * inputSize values');
    fails(() => m.predict(f32(8), -1), RangeError, /for rows, but received -1$/);
    fails(() => m.predict(f32(8), 2, f32(5)), RangeError, 'Expected out to hold rows * outputSize values');
    expect(m.predict(f32(0), 0).length).toBe(0);
    const x = f32(8);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    fails(() => m.predict(x, 2), RangeError, 'Expected x to hold rows * inputSize values');
    fails(() => m.predictAsync(x, 2), RangeError, 'Expected x to hold rows * inputSize values');
    expect((await m.predictAsync(x, 0)).length).toBe(0);
    fails(() => m.computeGradients(f32(8), f32(3), null, 2), RangeError, 'Expected y to hold rows * targetSize values');
    fails(() => m.computeGradients(f32(8), f32(2), f32(3), 2), RangeError, 'Expected one weight per sample');
    // Class ids out of range, negative or NaN: a NaN loss, no out-of-bounds access.
    const g = m.computeGradients(f32(12), new Float32Array([1e9, -5, NaN]), null, 3);
    expect(Number.isNaN(g.loss)).toBe(true);
    const fresh = new addon.Model({ inputSize: 4, layers: [{ type: 0, units: 2 }] });
    fails(
      () => fresh.computeGradients(f32(4), f32(2), null, 1),
      Error,
      'The model must be compiled before computeGradients',
    );
  });

  it('evaluate and training take only our datasets, of this model’s sizes, begun for the epoch', async () => {
    const m = rawModel();
    fails(() => m.evaluate({ n: 10 }, 4), TypeError, 'Expected a Dataset for data');
    fails(() => m.evaluate(rawModel(), 4), TypeError, 'Expected a Dataset for data');
    fails(() => m.evaluate(undefined, 4), TypeError, 'Expected a Dataset for data');
    const wrong = dataset(10, 1, 1);
    const mismatch =
      "Expected a dataset with 4 input columns and 1 target columns (this model's sizes), but received one with 1 and 1";
    fails(() => m.evaluate(wrong, 4), RangeError, mismatch);
    fails(() => m.evaluateAsync(wrong, 4), RangeError, mismatch);
    fails(() => m.beginEpoch(wrong, 4, true), RangeError, mismatch);
    fails(
      () => m.evaluate(dataset(10, 4, 3), 4),
      RangeError,
      "Expected a dataset with 4 input columns and 1 target columns (this model's sizes), but received one with 4 and 3",
    );
    const a = dataset(10, 4, 1);
    const b = dataset(10, 4, 1);
    fails(() => m.runBatches(a, 0, 3, null), Error, 'beginEpoch must be called with this dataset before runBatches');
    const batches = m.beginEpoch(a, 4, true);
    expect(batches).toBe(3);
    fails(() => m.runBatches(b, 0, 3, null), Error, 'beginEpoch must be called with this dataset before runBatches');
    // runBatches queued, then the epoch begun with another dataset before the job runs: the job refuses.
    // Slow products on every libuv thread keep the job queued while beginEpoch runs.
    const big = f32(700 * 700, 0.01);
    const blockers = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, () =>
      addon.matmulAsync(big, big, 700, 700, 700, false, false),
    );
    const c = dataset(7, 4, 1);
    const job = m.runBatches(a, 0, batches, null);
    let begun = false;
    try {
      m.beginEpoch(c, 4, true);
      begun = true;
    } catch (e) {
      expect((e as Error).message).toMatch(/^Cannot start an epoch while another job/);
    }
    // Usually the job is still queued behind the blockers and refuses to run on the re-begun epoch; on a
    // machine where a libuv thread came free first it ran on the epoch it was given. Either way: a clean
    // outcome, never a read past the other dataset.
    const outcome = await job.then(
      (r: { diverged: boolean }) => ({ ok: true, diverged: r.diverged, message: '' }),
      (e: Error) => ({ ok: false, diverged: false, message: e.message }),
    );
    if (outcome.ok) expect(outcome.diverged).toBe(false);
    else expect(outcome.message).toBe('beginEpoch must be called with this dataset before runBatches');
    if (!begun) expect(outcome.ok).toBe(true); // the job held the model: beginEpoch was refused instead
    await Promise.all(blockers);
    const r = await m.evaluateAsync(a, 1e6);
    expect(Number.isFinite(r.loss)).toBe(true);
  });
});

describe('raw addon: Dataset', () => {
  it('checks sizes, parts and rows', () => {
    fails(() => new addon.Dataset('a', 1, 1, false), TypeError, 'Expected an integer for n');
    fails(() => new addon.Dataset(-1, 1, 1, false), RangeError, /for n, but received -1$/);
    fails(
      () => new addon.Dataset(2 ** 32, 1, 1, false),
      RangeError,
      'Expected an integer in [0, 4294967295] for n, but received 4294967296',
    );
    fails(() => new addon.Dataset(10, 1, 1), TypeError, 'Expected a boolean for hasWeights');
    fails(() => new addon.Dataset(2 ** 32 - 1, 1 << 20, 1, true), RangeError, MEMORY);
    const d = new addon.Dataset(4, 2, 1, false);
    fails(() => d.write(3, 0, f32(2), false), RangeError, 'Expected an integer in [0, 2] for part, but received 3');
    fails(() => d.write(2, 0, f32(4), false), RangeError, 'This dataset has no sample weights');
    fails(() => d.write(0, 3, f32(4), false), RangeError, 'Expected values that fit in the dataset at firstRow');
    fails(() => d.write(0, 5, f32(0), false), RangeError, 'Expected values that fit in the dataset at firstRow');
    fails(() => d.write(0, 0, f32(3), false), RangeError, 'Expected values that fit in the dataset at firstRow');
    fails(() => d.write(0, 0, [1, 2], false), TypeError, 'Expected a Float32Array for values');
    fails(() => addon.Dataset.prototype.write.call({}, 0, 0, f32(2), false), TypeError, 'Illegal invocation');
    expect(d.write(0, 0, new Float32Array([1, 2, NaN, 4]), true)).toBe(2);
    expect(d.write(0, 2, f32(4), true)).toBe(-1);
  });
});
