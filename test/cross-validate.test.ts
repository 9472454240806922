import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossValidate, summarizeFolds } from '../lib/cross-validate.js';
import { digits, iris } from '../lib/datasets.js';
import { conv2d, dense, flatten } from '../lib/layers.js';
import { Sequential } from '../lib/model.js';
import { adam } from '../lib/optimizers.js';
import { ensureDist } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function classifier(inputs: number, classes: number, hidden = 16, lr = 0.01): Sequential {
  const m = new Sequential([
    dense({ units: hidden, inputDim: inputs, activation: 'relu' }),
    dense({ units: classes, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

function expectSummary(result: Awaited<ReturnType<typeof crossValidate>>) {
  for (const key of Object.keys(result.folds[0]!.metrics)) {
    const values = result.folds.map((f) => f.metrics[key]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(result.mean[key]).toBeCloseTo(mean, 12);
    expect(result.std[key]).toBeCloseTo(std, 12);
  }
}

describe('crossValidate', () => {
  it('runs one fresh model per fold on iris and summarizes the held-out scores', async () => {
    const { x, y } = iris();
    const built: Sequential[] = [];
    const seen: number[] = [];
    const result = await crossValidate(
      (fold) => {
        seen.push(fold);
        const m = classifier(4, 3);
        built.push(m);
        return m;
      },
      x,
      y,
      { folds: 3, seed: 7, standardize: true, fit: { epochs: 40, batchSize: 16 } },
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(new Set(built).size).toBe(3);
    expect(result.folds).toHaveLength(3);
    result.folds.forEach((f, i) => {
      expect(f.fold).toBe(i);
      expect(f.trainSize + f.testSize).toBe(150);
      expect(f.testSize).toBe(50);
      expect(Object.keys(f.metrics).sort()).toEqual(['accuracy', 'loss']);
      expect(f.history.history.loss).toHaveLength(40);
      expect(f.seconds).toBeGreaterThan(0);
    });
    expectSummary(result);
    expect(result.mean.accuracy).toBeGreaterThan(0.85);
  });

  it('is deterministic with a seed, and different seeds give different folds', async () => {
    const { x, y } = iris();
    const run = (seed: number) =>
      crossValidate(() => classifier(4, 3), x, y, { folds: 4, seed, standardize: true, fit: { epochs: 5 } });
    const a = await run(3);
    const b = await run(3);
    expect(b.folds.map((f) => f.metrics)).toEqual(a.folds.map((f) => f.metrics));
    expect(b.folds.map((f) => f.history.history.loss)).toEqual(a.folds.map((f) => f.history.history.loss));
    const c = await run(4);
    expect(c.folds.map((f) => f.metrics)).not.toEqual(a.folds.map((f) => f.metrics));
  });

  it('reaches a good accuracy on digits with 5 stratified folds', async () => {
    const { x, y } = digits();
    const sizes: number[] = [];
    const result = await crossValidate(() => classifier(64, 10, 64, 0.005), x, y, {
      seed: 1,
      standardize: true,
      fit: { epochs: 15, batchSize: 32 },
      onFoldEnd: (r) => {
        sizes.push(r.testSize);
      },
    });
    expect(result.folds).toHaveLength(5);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1797);
    for (const s of sizes) expect(Math.abs(s - 1797 / 5)).toBeLessThanOrEqual(1);
    expectSummary(result);
    expect(result.mean.accuracy).toBeGreaterThan(0.94);
    expect(result.std.accuracy).toBeLessThan(0.05);
  });

  it('computes the population standard deviation', () => {
    const { mean, std } = summarizeFolds([
      { metrics: { a: 1, b: 2 } },
      { metrics: { a: 3 } },
      { metrics: { a: 5, b: 4 } },
    ]);
    expect(mean).toEqual({ a: 3 });
    expect(std.a).toBeCloseTo(Math.sqrt(8 / 3), 12);
  });

  it('splits regression targets without stratification', async () => {
    const n = 60;
    const x = Array.from({ length: n }, (_, i) => [i / n, ((i * 7) % n) / n]);
    const y = x.map(([a, b]) => [2 * a! - b! + 0.1]);
    const result = await crossValidate(
      () => {
        const m = new Sequential([dense({ units: 1, inputDim: 2 })]);
        m.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'meanSquaredError', metrics: ['mae'] });
        return m;
      },
      x,
      y,
      { folds: 3, seed: 1, fit: { epochs: 30, batchSize: 8 } },
    );
    expect(result.folds.map((f) => f.testSize)).toEqual([20, 20, 20]);
    expect(Object.keys(result.mean).sort()).toEqual(['loss', 'mae']);
    expectSummary(result);
  });

  it('rejects bad arguments in the library error style', async () => {
    const { x, y } = iris();
    await expect(crossValidate(() => classifier(4, 3), x, y, { folds: 1 })).rejects.toThrow(
      'Expected an integer from 2 to 150 for options.folds, but received 1',
    );
    await expect(crossValidate(() => classifier(4, 3), x, y, { fold: 3 } as never)).rejects.toThrow(
      /^Expected one of the options folds, .* for crossValidate options, but received an unknown option "fold"$/,
    );
    await expect(crossValidate(() => classifier(4, 3), x, y, { parallel: true })).rejects.toThrow(
      /^Expected a factory reference \{ module, exportName \} when options.parallel is set .* for buildModel, but received a function$/,
    );
    await expect(crossValidate(42 as never, x, y)).rejects.toThrow(
      'Expected a function returning a compiled model, or { module, exportName } for buildModel, but received 42',
    );
    await expect(crossValidate(() => ({}) as never, x, y)).rejects.toThrow(
      'Expected a Sequential model from buildModel for buildModel(0), but received an object',
    );
    await expect(crossValidate(() => new Sequential([dense({ units: 3, inputDim: 4 })]), x, y)).rejects.toThrow(
      /not compiled/,
    );
    await expect(crossValidate(() => classifier(4, 3), x, [1, 2, 3])).rejects.toThrow(
      'Expected 150 rows (one per sample of x) for y, but received a tensor of shape [3]',
    );
  });
});

describe('crossValidate on worker threads', () => {
  let dir: string;
  let dist: typeof import('../lib/index.js') & { crossValidate: typeof crossValidate };

  beforeAll(async () => {
    ensureDist();
    dir = mkdtempSync(join(tmpdir(), 'simdnn-cv-'));
    const index = pathToFileURL(join(root, 'dist/index.js')).href;
    writeFileSync(
      join(dir, 'factory.mjs'),
      `import * as nn from ${JSON.stringify(index)};
export function build(fold, options) {
  const m = nn.sequential([nn.layers.dense({ units: options.hidden, inputDim: 4, activation: 'relu' }),
                           nn.layers.dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}
export default function flaky(fold) {
  if (fold === 1) throw new RangeError('no model today');
  return build(fold, { hidden: 4 });
}
`,
    );
    const lib = await import(pathToFileURL(join(root, 'dist/index.js')).href);
    const cv = await import(pathToFileURL(join(root, 'dist/cross-validate.js')).href);
    dist = { ...lib, crossValidate: cv.crossValidate };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same folds and scores as running them one after another', async () => {
    const { x, y } = dist.datasets.iris();
    const ref = { module: join(dir, 'factory.mjs'), exportName: 'build', options: { hidden: 8 } };
    const options = { folds: 4, seed: 5, standardize: true, fit: { epochs: 8, batchSize: 16 } };
    const order: number[] = [];
    const parallel = await dist.crossValidate(ref, x, y, {
      ...options,
      parallel: 2,
      onFoldEnd: (r) => {
        order.push(r.fold);
      },
    });
    const serial = await dist.crossValidate(ref, x, y, options);
    expect(order.sort()).toEqual([0, 1, 2, 3]);
    expect(parallel.folds.map((f) => f.fold)).toEqual([0, 1, 2, 3]);
    parallel.folds.forEach((f, i) => {
      expect(f.testSize).toBe(serial.folds[i]!.testSize);
      expect(f.history.history.loss).toHaveLength(8);
      expect(f.metrics.accuracy).toBeCloseTo(serial.folds[i]!.metrics.accuracy!, 5);
      expect(f.metrics.loss).toBeCloseTo(serial.folds[i]!.metrics.loss!, 4);
    });
    expectSummary(parallel);
  });

  it('reports a factory that fails in a worker, and callbacks it cannot send', async () => {
    const { x, y } = dist.datasets.iris();
    await expect(
      dist.crossValidate({ module: join(dir, 'factory.mjs') }, x, y, { folds: 2, parallel: true }),
    ).rejects.toThrow('Fold 2 failed in its worker thread: no model today');
    await expect(
      dist.crossValidate({ module: join(dir, 'factory.mjs'), exportName: 'nope' }, x, y, { folds: 2, parallel: true }),
    ).rejects.toThrow(/^Expected a function exported as "nope" for the module .*, but received no such export$/);
    await expect(
      dist.crossValidate({ module: join(dir, 'factory.mjs'), exportName: 'build', options: { hidden: 4 } }, x, y, {
        folds: 2,
        parallel: true,
        fit: { callbacks: [dist.callbacks.earlyStopping()] },
      }),
    ).rejects.toThrow(/^Expected no callbacks when options.parallel is set/);
  });
});

describe('crossValidate on images', () => {
  it('takes [n, h, w, c] samples and standardizes every value of a sample on the training rows', async () => {
    const { x, y } = digits({ images: true });
    const build = () => {
      const m = new Sequential([
        conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
        flatten(),
        dense({ units: 10, activation: 'softmax' }),
      ]);
      m.compile({
        optimizer: adam({ learningRate: 0.01 }),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      return m;
    };
    const result = await crossValidate(build, x, y, { folds: 3, seed: 2, standardize: true, fit: { epochs: 3 } });
    expect(result.folds).toHaveLength(3);
    for (const f of result.folds) expect(f.metrics.accuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
    expectSummary(result);
    await expect(crossValidate(build, digits().x, y, { folds: 3, fit: { epochs: 1 } })).rejects.toThrow(
      'conv2d_0 expects [n, 8, 8, 1]',
    );
  });
});
