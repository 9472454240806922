// Concurrency: many native jobs at once on different models, the addon in
// several worker threads (one terminated mid-training), and inputs changed,
// dropped or transferred away by JavaScript while a job runs.
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { nativePath } from '../lib/native.js';
import { matmulRef, randomArray, relError, rng } from './helpers.js';

const WORKER = new URL('./workers/train-worker.mjs', import.meta.url);

function problem(seed: number, n = 200, features = 8, classes = 3) {
  const r = rng(seed);
  const x = nn.tensor(randomArray(n * features, r), [n, features]);
  const y = nn.tensor(Float32Array.from({ length: n }, (_, i) => i % classes));
  return { x, y };
}

function classifier(seed: number, features = 8, classes = 3) {
  const m = nn.sequential([
    nn.layers.dense({ units: 16, inputDim: features, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.2 }),
    nn.layers.dense({ units: classes, activation: 'softmax' }),
  ]);
  m.build(features, seed);
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array, b: Float32Array) => bits(a).equals(bits(b));

/** Moves an ArrayBuffer away, as postMessage with a transfer list does: the original is detached. */
function transferAway(buffer: ArrayBufferLike): void {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(buffer, [buffer as ArrayBuffer]);
  port1.close();
  port2.close();
}

describe('many jobs at once', () => {
  it('trains 8 models, predicts and multiplies concurrently, with the results of running each alone', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const alone: Float32Array[][] = [];
    for (const s of seeds) {
      const m = classifier(s);
      const { x, y } = problem(s);
      await m.fit(x, y, { epochs: 3, batchSize: 16, seed: s, verbose: 0 });
      alone.push(m.getWeights());
    }
    const a = nn.tensor(randomArray(96 * 80, rng(9)), [96, 80]);
    const b = nn.tensor(randomArray(80 * 72, rng(10)), [80, 72]);
    const product = nn.matmul(a, b);
    const models = seeds.map((s) => classifier(s));
    const jobs: Promise<unknown>[] = seeds.map((s, i) => {
      const { x, y } = problem(s);
      return models[i]!.fit(x, y, { epochs: 3, batchSize: 16, seed: s, verbose: 0 });
    });
    const products = Array.from({ length: 12 }, () => nn.matmulAsync(a, b));
    const other = classifier(99);
    const { x: px } = problem(99);
    const expected = other.predict(px);
    const predictions = Array.from({ length: 12 }, () => other.predictAsync(px));
    await Promise.all(jobs);
    for (const p of await Promise.all(products)) expect(sameBits(p.data, product.data)).toBe(true);
    for (const p of await Promise.all(predictions)) expect(sameBits(p.data, expected.data)).toBe(true);
    models.forEach((m, i) => m.getWeights().forEach((w, j) => expect(sameBits(w, alone[i]![j]!)).toBe(true)));
  }, 120_000);

  it('queues predictAsync and evaluateAsync behind a running fit of the same model', async () => {
    const m = classifier(11);
    const { x, y } = problem(11, 2000);
    const fit = m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const results = await Promise.all([m.predictAsync(x), m.evaluateAsync(x, y), fit]);
    expect((results[0] as nn.Tensor).data.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite((results[1] as nn.Logs).loss)).toBe(true);
    // A synchronous call never blocks the event loop on a busy model: it either runs or says why not.
    const again = m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    let busy = 0;
    for (let i = 0; i < 200; i++) {
      try {
        m.predict(x.slice(0, 4));
      } catch (e) {
        expect((e as Error).message).toBe(
          'Cannot predict while another job (fit, predictAsync or evaluateAsync) is running on this model',
        );
        busy++;
      }
      await new Promise((r) => setImmediate(r));
    }
    await again;
    expect(busy).toBeGreaterThanOrEqual(0);
  }, 60_000);
});

describe('callbacks and async jobs of the training model', () => {
  it('lets a callback start predictAsync jobs while the next callback reads and restores weights', async () => {
    const m = classifier(12);
    const { x, y } = problem(12, 1000);
    const started: Promise<nn.Tensor>[] = [];
    const spam: nn.Callback = {
      onEpochEnd: () => {
        for (let i = 0; i < 8; i++) started.push(m.predictAsync(x));
      },
      onBatchEnd: (b) => {
        if (b % 10 === 0) started.push(m.predictAsync(x));
      },
    };
    const es = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 100, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, callbacks: [spam, es] });
    expect(h.history.loss!.length).toBe(4);
    expect(started.length).toBeGreaterThan(30);
    for (const p of await Promise.all(started)) expect(p.data.every(Number.isFinite)).toBe(true);
  });
});

describe('inputs changed, dropped or transferred while a job runs', () => {
  it('matmulAsync uses the inputs as they were at the call', async () => {
    const r = rng(21);
    const [m, k, n] = [120, 70, 90];
    const a = randomArray(m * k, r);
    const b = randomArray(k * n, r);
    const want = matmulRef(a, b, m, n, k);
    const changed = nn.matmulAsync(nn.tensor(a, [m, k]), nn.tensor(b, [k, n]));
    a.fill(NaN);
    b.fill(1e30);
    expect(relError((await changed).data, want)).toBeLessThan(1e-5);

    const a2 = randomArray(m * k, rng(22));
    const b2 = randomArray(k * n, rng(23));
    const want2 = matmulRef(a2, b2, m, n, k);
    const moved = nn.matmulAsync(nn.tensor(a2, [m, k]), nn.tensor(b2, [k, n]));
    transferAway(a2.buffer);
    structuredClone(b2.buffer, { transfer: [b2.buffer] });
    expect(a2.length).toBe(0);
    expect(b2.length).toBe(0);
    expect(relError((await moved).data, want2)).toBeLessThan(1e-5);
  });

  it('predictAsync uses x as it was at the call, even if it is transferred away', async () => {
    const model = classifier(31);
    const { x } = problem(31, 500);
    const want = model.predict(x).data.slice();
    const data = x.data.slice();
    const p1 = model.predictAsync(nn.tensor(data, x.shape));
    data.fill(-1e6);
    expect(sameBits((await p1).data, want)).toBe(true);
    const data2 = x.data.slice();
    const p2 = model.predictAsync(nn.tensor(data2, x.shape));
    transferAway(data2.buffer);
    expect(sameBits((await p2).data, want)).toBe(true);
    // Many in flight, each input dropped right away.
    const many = Array.from({ length: 20 }, () => model.predictAsync(nn.tensor(x.data.slice(), x.shape)));
    for (const p of await Promise.all(many)) expect(sameBits(p.data, want)).toBe(true);
  });

  it('fit copies its data when it starts: later changes and transfers do not reach training', async () => {
    const run = async (spoil: (x: Float32Array, y: Float32Array, vx: Float32Array) => void) => {
      const m = classifier(41);
      const { x, y } = problem(41, 300);
      const { x: vx, y: vy } = problem(42, 50);
      const xs = x.data.slice();
      const ys = y.data.slice();
      const vxs = vx.data.slice();
      const fit = m.fit(nn.tensor(xs, x.shape), nn.tensor(ys, y.shape), {
        epochs: 2,
        batchSize: 32,
        seed: 4,
        verbose: 0,
        validationData: [nn.tensor(vxs, vx.shape), vy],
      });
      spoil(xs, ys, vxs);
      const h = await fit;
      return { h, w: m.getWeights() };
    };
    const clean = await run(() => {});
    const changed = await run((x, y, vx) => {
      x.fill(NaN);
      y.fill(7);
      vx.fill(Infinity);
    });
    const moved = await run((x, y, vx) => {
      transferAway(x.buffer);
      structuredClone(y.buffer, { transfer: [y.buffer] });
      transferAway(vx.buffer);
    });
    for (const other of [changed, moved]) {
      expect(other.h.history).toEqual(clean.h.history);
      other.w.forEach((w, i) => expect(sameBits(w, clean.w[i]!)).toBe(true));
    }
  });

  it('fit on data larger than one copy piece rejects cleanly if x is transferred during the copy', async () => {
    const m = classifier(51, 64);
    const n = 20_000; // 1.28 M values: copied in two pieces with the event loop served in between
    const x = new Float32Array(n * 64).fill(0.5);
    const y = Float32Array.from({ length: n }, (_, i) => i % 3);
    const fit = m.fit(nn.tensor(x, [n, 64]), nn.tensor(y), { epochs: 1, verbose: 0 });
    transferAway(x.buffer);
    await expect(fit).rejects.toThrow(
      new TypeError(
        'Expected an array that stays attached until fit has copied it for x, but received an array whose ArrayBuffer was detached (transferred) during the copy',
      ),
    );
    // The model is not left training: it trains again.
    const again = problem(52, 100, 64);
    const h = await m.fit(again.x, again.y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0]!)).toBe(true);
  });
});

describe('worker threads', () => {
  function start(data: Record<string, unknown>): Worker {
    return new Worker(WORKER, { workerData: { addonPath: nativePath, ...data } });
  }

  function result(w: Worker): Promise<{ losses: number[]; predictions: Float32Array; same: boolean }> {
    return new Promise((resolve, reject) => {
      w.on('message', (m) => m.type === 'done' && resolve(m));
      w.on('error', reject);
      w.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with code ${code}`)));
    });
  }

  it('loads the addon in four workers at once; each trains and predicts, deterministically', async () => {
    const seeds = [1, 2, 3, 4];
    const runs = await Promise.all(seeds.map((seed) => result(start({ seed }))));
    const again = await Promise.all(seeds.map((seed) => result(start({ seed }))));
    runs.forEach((r, i) => {
      expect(r.losses.length).toBe(3);
      expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
      expect(r.same).toBe(true);
      expect(r.predictions.every(Number.isFinite)).toBe(true);
      expect(sameBits(r.predictions, again[i]!.predictions)).toBe(true);
    });
  }, 60_000);

  it('survives workers terminated mid-training, with jobs in flight', async () => {
    for (let round = 0; round < 4; round++) {
      const workers = [1, 2, 3].map((seed) => start({ seed: seed + round, n: 4000, forever: true }));
      await Promise.all(
        workers.map(
          (w) => new Promise<void>((resolve) => w.once('message', (m) => m.type === 'training' && resolve())),
        ),
      );
      await new Promise((r) => setTimeout(r, 20 * round));
      const codes = await Promise.all(workers.map((w) => w.terminate()));
      expect(codes.every((c) => c === 1)).toBe(true);
    }
    // The process and the addon carry on: a worker and the main thread still train.
    const r = await result(start({ seed: 9 }));
    expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
    const m = classifier(61);
    const { x, y } = problem(61);
    const h = await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
  }, 120_000);
});
