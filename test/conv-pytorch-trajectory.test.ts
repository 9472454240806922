// Training small CNNs reproduces PyTorch's trajectory step by step (the same
// initial weights, data and batches, torch.optim): each batch's loss and the
// weights after training, within float32 tolerances. The torch side
// (test/python/conv_trajectory.py) is PyTorch's channels-first modules fed with
// the transposed data and the converted weights; it is first checked against the
// float64 reference (the first step's loss and plain-SGD update), which needs no
// conv layers in simdnn.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { HAS_CONV_LAYERS, type LayerSpec, nnLayer, refLayers, torchLayers, weightShapes } from './conv-cases.js';
import { ISAS, rng, withIsaAsync } from './helpers.js';
import { refLoss } from './reference-conv.js';
import { PYTHON, TORCH_MISSING, pythonEnv } from './torch-available.js';

const SCRIPT = join(import.meta.dirname, 'python', 'conv_trajectory.py');
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Net {
  name: string;
  inputShape: number[];
  layers: LayerSpec[];
  classes: number;
}

const NETS: Net[] = [
  {
    name: 'conv2d relu, maxPooling2d, flatten, dense relu, dense softmax',
    inputShape: [8, 8, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: [3, 3], act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 8, act: 'relu' },
      { type: 'dense', units: 3, act: 'softmax' },
    ],
    classes: 3,
  },
  {
    name: 'conv1d relu, averagePooling1d, conv1d tanh, globalAveragePooling1d, dense softmax',
    inputShape: [16, 3],
    layers: [
      { type: 'conv1d', filters: 6, kernelSize: [3], act: 'relu' },
      { type: 'averagePooling1d', poolSize: [2] },
      { type: 'conv1d', filters: 5, kernelSize: [3], padding: 'same', act: 'tanh' },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 3, act: 'softmax' },
    ],
    classes: 3,
  },
  {
    name: 'strided same conv2d, dilated same conv2d, flatten, dense softmax',
    inputShape: [9, 9, 3],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: [4, 4], strides: [2, 2], padding: 'same', act: 'tanh' },
      { type: 'conv2d', filters: 5, kernelSize: [3, 3], dilation: [2, 2], padding: 'same', act: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 4, act: 'softmax' },
    ],
    classes: 4,
  },
  {
    name: 'conv2d same, averagePooling2d same (real cells), maxPooling2d same, globalMaxPooling2d, dense softmax',
    inputShape: [7, 7, 2],
    layers: [
      { type: 'conv2d', filters: 6, kernelSize: [2, 2], padding: 'same', act: 'elu' },
      { type: 'averagePooling2d', poolSize: [3, 3], strides: [2, 2], padding: 'same' },
      { type: 'maxPooling2d', poolSize: [2, 2], padding: 'same' },
      { type: 'globalMaxPooling2d' },
      { type: 'dense', units: 3, act: 'softmax' },
    ],
    classes: 3,
  },
  {
    name: 'conv2d stride 3, flatten, reshape to steps, conv1d, flatten, dense softmax',
    inputShape: [12, 9, 1],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 3], strides: [3, 3], act: 'relu', useBias: false },
      { type: 'flatten' },
      { type: 'reshape', targetShape: [12, 3] },
      { type: 'conv1d', filters: 4, kernelSize: [2], strides: [2], act: 'sigmoid' },
      { type: 'flatten' },
      { type: 'dense', units: 3, act: 'softmax' },
    ],
    classes: 3,
  },
  {
    name: 'a wider CNN (16x16x3, conv 16@3x3 relu, conv 32@3x3 stride 2 same relu, maxpool, flatten, dense 32 relu, dense softmax)',
    inputShape: [16, 16, 3],
    layers: [
      { type: 'conv2d', filters: 16, kernelSize: [3, 3], act: 'relu' },
      { type: 'conv2d', filters: 32, kernelSize: [3, 3], strides: [2, 2], padding: 'same', act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 32, act: 'relu' },
      { type: 'dense', units: 4, act: 'softmax' },
    ],
    classes: 4,
  },
];

type OptimizerSpec =
  | { kind: 'adam'; learningRate: number }
  | { kind: 'adamw'; learningRate: number; weightDecay: number }
  | { kind: 'sgd'; learningRate: number; momentum: number; nesterov?: boolean }
  | { kind: 'rmsprop'; learningRate: number };

/** Every net is trained with the first two; the others on the first and third nets. */
const OPTIMIZERS: OptimizerSpec[] = [
  { kind: 'adam', learningRate: 0.01 },
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
];
const MORE_OPTIMIZERS: OptimizerSpec[] = [
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
  { kind: 'rmsprop', learningRate: 0.005 },
  { kind: 'adamw', learningRate: 0.01, weightDecay: 0.05 },
];

function optimizerName(o: OptimizerSpec): string {
  if (o.kind === 'sgd') return `sgd momentum ${o.momentum}${o.nesterov ? ' nesterov' : ''}`;
  return o.kind;
}

function nnOptimizer(o: OptimizerSpec) {
  if (o.kind === 'adam') return nn.optimizers.adam({ learningRate: o.learningRate });
  if (o.kind === 'adamw') return nn.optimizers.adamw({ learningRate: o.learningRate, weightDecay: o.weightDecay });
  if (o.kind === 'rmsprop') return nn.optimizers.rmsprop({ learningRate: o.learningRate });
  return nn.optimizers.sgd({ learningRate: o.learningRate, momentum: o.momentum, nesterov: o.nesterov ?? false });
}

interface Data {
  n: number;
  x: Float32Array;
  y: Float32Array;
  weights: Float32Array[];
}

/** Random data, labels that depend on it (so the loss falls), and fan-in scaled initial weights. */
function makeData(net: Net, n: number, seed: number): Data {
  const r = rng(seed);
  const size = prod(net.inputShape);
  const x = Float32Array.from({ length: n * size }, () => r());
  const y = Float32Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < size; j += 3) s += x[i * size + j]!;
    return (Math.floor(Math.abs(s) * 3) + (s > 0 ? 1 : 0)) % net.classes;
  });
  const weights = weightShapes(net.layers, net.inputShape).map((s) => {
    const scale = s.length === 1 ? 0.1 : Math.sqrt(6 / (prod(s) / s[s.length - 1]! + s[s.length - 1]!));
    return Float32Array.from({ length: prod(s) }, () => scale * r());
  });
  return { n, x, y, weights };
}

interface TorchRun {
  losses: number[];
  weights: number[][];
}

function runTorch(runs: Record<string, unknown>[]): TorchRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-convtraj-'));
  try {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ runs }));
    const out = execFileSync(PYTHON, [SCRIPT, spec], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: pythonEnv(),
    });
    return (JSON.parse(out) as { runs: TorchRun[] }).runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function torchSpec(net: Net, d: Data, optimizer: OptimizerSpec, batch: number, epochs: number) {
  return {
    layers: torchLayers(net.layers),
    inputShape: net.inputShape,
    weights: d.weights.map((w) => Array.from(w)),
    weightShapes: weightShapes(net.layers, net.inputShape),
    x: Array.from(d.x),
    y: Array.from(d.y),
    n: d.n,
    batch,
    epochs,
    loss: 'sparseCategoricalCrossentropy',
    optimizer,
  };
}

// 26 rows in batches of 8: the last batch of each epoch has 2.
const N = 26;
const BATCH = 8;
const EPOCHS = 3;

/** Every net with every optimizer, and torch's trajectories for them (run once, when first needed). */
const CASES = NETS.flatMap((net, i) =>
  [...OPTIMIZERS, ...(i === 0 || i === 2 ? MORE_OPTIMIZERS : [])].map((o) => ({
    net,
    o,
    data: makeData(net, N, 10 + i),
  })),
);
let torchRuns: TorchRun[] | undefined;
function trajectories(): TorchRun[] {
  torchRuns ??= runTorch(CASES.map((c) => torchSpec(c.net, c.data, c.o, BATCH, EPOCHS)));
  return torchRuns;
}

describe.skipIf(TORCH_MISSING !== null)(
  `the torch trajectory generator${TORCH_MISSING ? `: skipped, ${TORCH_MISSING}` : ''}`,
  () => {
    it('builds models whose loss and plain-SGD step equal the float64 reference (layouts, padding, flatten order)', () => {
      const lr = 0.1;
      const data = NETS.map((net, i) => makeData(net, 6, 50 + i));
      const runs = runTorch(
        NETS.map((net, i) => torchSpec(net, data[i]!, { kind: 'sgd', learningRate: lr, momentum: 0 }, 6, 1)),
      );
      NETS.forEach((net, i) => {
        const d = data[i]!;
        const ref = refLayers(net.layers, d.weights);
        const targets = Array.from(d.y, (v) => [v]);
        const want = refLoss(
          ref,
          'sparseCategoricalCrossentropy',
          { data: Float64Array.from(d.x), shape: [d.n, ...net.inputShape] },
          targets,
        );
        const t = runs[i]!;
        expect(Math.abs(t.losses[0]! - want.loss), `${net.name}: loss`).toBeLessThan(1e-12);
        t.weights.forEach((tw, j) => {
          const w0 = d.weights[j]!;
          let worst = 0;
          tw.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - (w0[k]! - lr * want.grads[j]![k]!)))));
          expect(worst, `${net.name}: weight ${j} after one step`).toBeLessThan(1e-12);
        });
      });
    });

    it('follows a float64 reference training loop (API.md formulas) for every net and optimizer, and the loss falls', () => {
      const runs = trajectories();
      CASES.forEach((c, k) => {
        const want = referenceTrajectory(c.net, c.data, c.o, BATCH, EPOCHS);
        const got = runs[k]!;
        const label = `${c.net.name} with ${optimizerName(c.o)}`;
        expect(got.losses.length, label).toBe(want.losses.length);
        got.losses.forEach((l, i) => expect(Math.abs(l - want.losses[i]!), `${label}: step ${i}`).toBeLessThan(1e-9));
        got.weights.forEach((w, i) => {
          let worst = 0;
          w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want.weights[i]![j]!))));
          expect(worst, `${label}: weight ${i}`).toBeLessThan(1e-9);
        });
        const steps = Math.ceil(N / BATCH);
        const epochMean = (e: number) =>
          want.losses.slice(e * steps, (e + 1) * steps).reduce((a, b) => a + b, 0) / steps;
        expect(
          epochMean(EPOCHS - 1),
          `${label}: the last epoch's mean loss is below the first's (${want.losses.map((l) => l.toFixed(3)).join(' ')})`,
        ).toBeLessThan(epochMean(0));
      });
    });
  },
);

/** A float64 training loop with API.md's optimizer formulas on the reference's gradients. */
function referenceTrajectory(net: Net, d: Data, o: OptimizerSpec, batch: number, epochs: number): TorchRun {
  const ref = refLayers(net.layers, d.weights);
  const params = ref.flatMap((l) => ('kernel' in l ? (l.bias ? [l.kernel, l.bias] : [l.kernel]) : []));
  const slots = params.map((p) => ({ m: new Float64Array(p.length), v: new Float64Array(p.length) }));
  const size = prod(net.inputShape);
  const losses: number[] = [];
  let t = 0;
  for (let e = 0; e < epochs; e++)
    for (let s = 0; s < d.n; s += batch) {
      const rows = Math.min(batch, d.n - s);
      const x = {
        data: Float64Array.from(d.x.subarray(s * size, (s + rows) * size)),
        shape: [rows, ...net.inputShape],
      };
      const r = refLoss(
        ref,
        'sparseCategoricalCrossentropy',
        x,
        Array.from(d.y.subarray(s, s + rows), (v) => [v]),
      );
      losses.push(r.loss);
      t++;
      params.forEach((p, i) => {
        const g = r.grads[i]!;
        const { m, v } = slots[i]!;
        for (let j = 0; j < p.length; j++) {
          if (o.kind === 'adam' || o.kind === 'adamw') {
            if (o.kind === 'adamw') p[j] = p[j]! - o.learningRate * o.weightDecay * p[j]!;
            m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
            v[j] = 0.999 * v[j]! + 0.001 * g[j]! * g[j]!;
            p[j] = p[j]! - (o.learningRate * (m[j]! / (1 - 0.9 ** t))) / (Math.sqrt(v[j]! / (1 - 0.999 ** t)) + 1e-7);
          } else if (o.kind === 'sgd') {
            m[j] = o.momentum * m[j]! + g[j]!;
            p[j] = p[j]! - o.learningRate * (o.nesterov ? g[j]! + o.momentum * m[j]! : m[j]!);
          } else {
            v[j] = 0.9 * v[j]! + 0.1 * g[j]! * g[j]!;
            p[j] = p[j]! - (o.learningRate * g[j]!) / (Math.sqrt(v[j]!) + 1e-7);
          }
        }
      });
    }
  return { losses, weights: params.map((p) => Array.from(p)) };
}

/** Trains the case natively on the active ISA and compares each batch's loss and the final weights with torch's. */
async function trainAndCompare(c: (typeof CASES)[number], want: TorchRun, label: string): Promise<void> {
  const model = nn.sequential(c.net.layers.map((s, i) => nnLayer(s, i === 0 ? c.net.inputShape : undefined)));
  model.compile({ optimizer: nnOptimizer(c.o), loss: 'sparseCategoricalCrossentropy' });
  model.setWeights(c.data.weights);
  const losses: number[] = [];
  let previousMean = 0;
  await model.fit(nn.tensor(c.data.x, [N, ...c.net.inputShape]), nn.tensor(c.data.y, [N]), {
    epochs: EPOCHS,
    batchSize: BATCH,
    shuffle: false,
    verbose: 0,
    callbacks: [
      {
        onBatchEnd: (b, logs) => {
          // logs.loss is the running mean over the epoch: recover this batch's loss.
          const own = b === 0 ? logs.loss! : logs.loss! * (b + 1) - previousMean * b;
          previousMean = logs.loss!;
          losses.push(own);
        },
      },
    ],
  });
  expect(losses.length).toBe(want.losses.length);
  const lossErrors = losses.map((l, i) => ({ i, got: l, want: want.losses[i]! }));
  const badLoss = lossErrors.find((e) => !(Math.abs(e.got - e.want) < 2e-5 * (1 + Math.abs(e.want))));
  expect(
    badLoss,
    badLoss ? `${label}: step ${badLoss.i}: loss ${badLoss.got}, torch ${badLoss.want}` : '',
  ).toBeUndefined();
  const w = model.getWeights();
  expect(w.length).toBe(want.weights.length);
  // Adam, AdamW and RMSprop divide by the root of the squared gradients, so a near-zero gradient's float32
  // rounding moves its weight by up to a step: on the wider net, torch's own float32 run differs from its
  // float64 run by 3.2e-5 in the last dense kernel after 12 Adam steps (1e-7 with SGD).
  const weightTolerance = c.o.kind === 'sgd' ? 5e-5 : 2e-4;
  want.weights.forEach((tw, i) => {
    let worst = 0;
    tw.forEach((v, j) => {
      if (
        Math.abs(w[i]![j]! - v) / (1 + Math.abs(v)) >
        Math.abs(w[i]![worst]! - tw[worst]!) / (1 + Math.abs(tw[worst]!))
      )
        worst = j;
    });
    const err = Math.abs(w[i]![worst]! - tw[worst]!);
    expect(
      err,
      `${label}: weight ${i}[${worst}] after ${want.losses.length} steps: ${w[i]![worst]}, torch ${tw[worst]}`,
    ).toBeLessThan(weightTolerance * (1 + Math.abs(tw[worst]!)));
  });
}

describe.skipIf(TORCH_MISSING !== null || !HAS_CONV_LAYERS)(
  `CNN training against PyTorch step by step${TORCH_MISSING ? `: skipped, ${TORCH_MISSING}` : !HAS_CONV_LAYERS ? ': skipped, nn.layers has no conv layers in this build' : ''}`,
  () => {
    CASES.forEach((c, k) =>
      it(`${c.net.name} with ${optimizerName(c.o)}, on every ISA with 1 and 2 threads`, async () => {
        const want = trajectories()[k]!;
        const threads = nn.info().threads;
        try {
          for (const t of [1, 2]) {
            nn.setThreads(t);
            for (const isa of ISAS) await withIsaAsync(isa, () => trainAndCompare(c, want, `${isa}, ${t} thread(s)`));
          }
        } finally {
          nn.setThreads(threads);
        }
      }, 60_000),
    );
  },
);
