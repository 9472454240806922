import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';

function digits() {
  const { x, y } = nn.datasets.digits();
  return {
    x: nn.tensor(
      x.data.map((v) => v / 16),
      x.shape,
    ),
    y,
  };
}

function classifier(seed = 1, lr = 0.003) {
  const model = nn.sequential([
    nn.layers.dense({ units: 32, inputDim: 64, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.build(64, seed);
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: lr }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

describe('fit', () => {
  it('learns digits and reports history as in API.md', async () => {
    const { x, y } = digits();
    const model = classifier();
    const h = await model.fit(x, y, { epochs: 15, batchSize: 32, seed: 1, verbose: 0, validationSplit: 0.2 });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    expect(h.history.loss!.length).toBe(15);
    expect(h.history.loss![14]!).toBeLessThan(h.history.loss![0]!);
    expect(h.history.accuracy![14]!).toBeGreaterThan(0.97);
    expect(h.history.valAccuracy![14]!).toBeGreaterThan(0.85);
    const e = model.evaluate(x, y);
    expect(e.accuracy).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed', async () => {
    const { x, y } = digits();
    const run = async () => {
      const m = classifier(7);
      await m.fit(x, y, { epochs: 2, batchSize: 50, seed: 7, verbose: 0 });
      return m.getWeights();
    };
    const a = await run();
    const b = await run();
    a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true));
  });

  it('uses the last partial batch and calls batch callbacks, which may be async', async () => {
    const { x, y } = digits();
    const model = classifier();
    const seen: number[] = [];
    await model.fit(x.slice(0, 100), y.slice(0, 100), {
      epochs: 1,
      batchSize: 32,
      verbose: 0,
      callbacks: [
        {
          onBatchEnd: async (b, logs) => {
            await new Promise((r) => setTimeout(r, 1));
            seen.push(b);
            expect(Number.isFinite(logs.loss)).toBe(true);
          },
        },
      ],
    });
    expect(seen).toEqual([0, 1, 2, 3]); // 32 + 32 + 32 + 4
  });

  it('stops cleanly when a callback sets stopTraining', async () => {
    const { x, y } = digits();
    const model = classifier();
    const h = await model.fit(x, y, {
      epochs: 50,
      verbose: 0,
      callbacks: [
        {
          onEpochEnd: (epoch) => {
            if (epoch === 2) model.stopTraining = true;
          },
        },
      ],
    });
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('early stopping restores the best weights', async () => {
    const { x, y } = digits();
    const model = classifier(3, 0.05);
    const es = nn.callbacks.earlyStopping({ monitor: 'valLoss', patience: 1, restoreBestWeights: true });
    let bestWeights: Float32Array[] = [];
    let best = Infinity;
    const h = await model.fit(x, y, {
      epochs: 40,
      verbose: 0,
      validationSplit: 0.3,
      callbacks: [
        {
          onEpochEnd: (_e, logs) => {
            if (logs.valLoss! < best) {
              best = logs.valLoss!;
              bestWeights = model.getWeights();
            }
          },
        },
        es,
      ],
    });
    expect(h.epoch.length).toBeLessThan(40);
    const now = model.getWeights();
    now.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(bestWeights[i]!)));
  });

  it('reduceLROnPlateau lowers the learning rate, csvLogger writes one row per epoch', async () => {
    const { x, y } = digits();
    const model = classifier();
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-fit-'));
    const file = join(dir, 'log.csv');
    const h = await model.fit(x.slice(0, 200), y.slice(0, 200), {
      epochs: 6,
      verbose: 0,
      callbacks: [
        nn.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5, minDelta: 10 }),
        nn.callbacks.csvLogger(file),
      ],
    });
    expect(model.learningRate).toBeLessThan(0.003);
    expect(h.history.lr!.at(-1)).toBeCloseTo(model.learningRate, 8);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,accuracy,loss,lr');
    expect(lines.length).toBe(7);
  });

  it('refuses a second concurrent fit on the same model, but trains two models at once', async () => {
    const { x, y } = digits();
    const a = classifier();
    const b = classifier(2);
    const pa = a.fit(x, y, { epochs: 2, verbose: 0 });
    await expect(a.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(
      'This model is already training: concurrent fit calls on one model are not allowed',
    );
    const pb = b.fit(x, y, { epochs: 2, verbose: 0 });
    await Promise.all([pa, pb]);
    expect(() => a.predict(x.slice(0, 1))).not.toThrow();
  });

  it('stops with a clear error naming epoch and batch when training diverges, keeping finite weights', async () => {
    const model = nn.sequential([nn.layers.dense({ units: 1, inputDim: 1 })]);
    model.build(1, 1);
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
    const x = nn.tensor(
      Array.from({ length: 64 }, (_, i) => i * 10),
      [64, 1],
    );
    const y = nn.tensor(
      Array.from({ length: 64 }, (_, i) => i),
      [64, 1],
    );
    let err: unknown;
    try {
      await model.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, shuffle: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.TrainingDivergedError);
    expect((err as Error).message).toMatch(/^Training diverged at epoch \d+, batch \d+: the loss or its gradient is/);
    for (const w of model.getWeights()) for (const v of w) expect(Number.isFinite(v)).toBe(true);
    // With terminateOnNaN it stops without an error.
    const m2 = nn.sequential([nn.layers.dense({ units: 1, inputDim: 1 })]);
    m2.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
    const h = await m2.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, callbacks: [nn.callbacks.terminateOnNaN()] });
    expect(h.epoch.length).toBeLessThan(20);
  });

  it('weights classes with classWeight', async () => {
    const x = nn.tensor([0, 0, 0, 0], [4, 1]);
    const y = nn.tensor([0, 0, 0, 1], [4, 1]);
    const make = () => {
      const m = nn.sequential([nn.layers.dense({ units: 1, inputDim: 1, activation: 'sigmoid' })]);
      m.build(1, 1);
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy' });
      return m;
    };
    const plain = make();
    await plain.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
    const weighted = make();
    await weighted.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0, classWeight: { 0: 1, 1: 3 } });
    // Unweighted, p -> 1/4; with class 1 weighted 3x, p -> 3/6 = 1/2.
    expect(plain.predict([[0]]).data[0]).toBeCloseTo(0.25, 2);
    expect(weighted.predict([[0]]).data[0]).toBeCloseTo(0.5, 2);
  });

  it('full-batch gradient descent uses the whole set as one batch', async () => {
    const x = nn.tensor(
      Array.from({ length: 40 }, (_, i) => i / 40),
      [40, 1],
    );
    const y = nn.tensor(
      Array.from({ length: 40 }, (_, i) => (2 * i) / 40 + 1),
      [40, 1],
    );
    const model = nn.sequential([nn.layers.dense({ units: 1, inputDim: 1 })]);
    model.compile({ optimizer: nn.optimizers.gd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    let batches = 0;
    await model.fit(x, y, { epochs: 300, verbose: 0, callbacks: [{ onBatchEnd: () => void batches++ }] });
    expect(batches).toBe(300);
    const [w, b] = model.getWeights();
    expect(w![0]).toBeCloseTo(2, 2);
    expect(b![0]).toBeCloseTo(1, 2);
  });
});
