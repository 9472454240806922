// The convolutional layers' native float32 gradients (model.computeGradients) and
// outputs (model.predict) against the float64 reference of reference-conv.ts,
// whose backward is itself proven by finite differences and against PyTorch
// (conv-reference.test.ts); at sampled weights the native gradients are also
// compared with central differences of the float64 loss directly. Every case
// runs on every ISA this CPU can run:
// strides 1-3, dilation 1-2, 'valid' and 'same', odd, prime and even sizes,
// 1x1 kernels, kernels as large as the input, 1, 3 and 17 channels, conv1d,
// every pooling layer, flatten and reshape. Each layer is checked as the first
// layer (its weight gradient) and after a 1x1 convolution (its input gradient
// reaches that convolution's weights).
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { HAS_CONV_LAYERS, type LayerSpec, layerFactory, nnLayer, refLayers, weightShapes } from './conv-cases.js';
import { MODEL_CASES, SINGLE_LAYER_CASES, type Stack, randomStacks, stacksOf } from './conv-reference-cases.js';
import { ISAS, rng, withIsa, withIsaAsync } from './helpers.js';
import { type RefConvLayer, refFiniteDifference, refForward, refLoss, refOutputShapes } from './reference-conv.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

const STACKS: Stack[] = [
  ...SINGLE_LAYER_CASES.flatMap(stacksOf),
  ...MODEL_CASES.map((m) => ({ ...m, batch: 4 })),
  {
    name: 'dropout after a conv2d and after a pooling layer (the identity outside training)',
    input: [6, 6, 3],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: [3, 3], act: 'relu', padding: 'same' },
      { type: 'dropout', rate: 0.3 },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'dropout', rate: 0.5 },
      { type: 'conv2d', filters: 3, kernelSize: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ],
    loss: 'meanSquaredError',
    batch: 3,
  },
  {
    name: 'the benchmark CNN of issue 16 (28x28x1, conv 32@3x3 relu, maxpool 2, conv 64@3x3 relu, maxpool 2, dense 128, dense 10)',
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 32, kernelSize: [3, 3], act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'conv2d', filters: 64, kernelSize: [3, 3], act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 128, act: 'relu' },
      { type: 'dense', units: 10, act: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
    batch: 3,
  },
  {
    name: 'a first layer on 3 channels (32x32x3 -> 16@3x3 same), reshape to [features], dense',
    input: [32, 32, 3],
    layers: [
      { type: 'conv2d', filters: 16, kernelSize: [3, 3], padding: 'same', act: 'relu' },
      { type: 'averagePooling2d', poolSize: [4, 4] },
      { type: 'reshape', targetShape: [1024] },
      { type: 'dense', units: 3 },
    ],
    loss: 'meanSquaredError',
    batch: 2,
  },
  {
    name: 'larger products (16 -> 32 -> 24 channels, full SIMD tiles): conv2d same relu, conv2d stride 2, flatten, dense',
    input: [12, 12, 16],
    layers: [
      { type: 'conv2d', filters: 32, kernelSize: [3, 3], padding: 'same', act: 'relu' },
      { type: 'conv2d', filters: 24, kernelSize: [3, 3], strides: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 3 },
    ],
    loss: 'meanSquaredError',
    batch: 4,
  },
  {
    name: 'conv2d and conv1d with l1l2 kernel and bias regularizers',
    input: [5, 5, 3],
    layers: [
      {
        type: 'conv2d',
        filters: 3,
        kernelSize: [3, 3],
        kernelRegularizer: { l1: 0.01, l2: 0.05 },
        biasRegularizer: { l1: 0.02, l2: 0.03 },
        act: 'relu',
      },
      { type: 'reshape', targetShape: [9, 3] },
      {
        type: 'conv1d',
        filters: 2,
        kernelSize: [2],
        kernelRegularizer: { l1: 0.03, l2: 0 },
        biasRegularizer: { l1: 0, l2: 0.1 },
      },
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ],
    loss: 'meanSquaredError',
    batch: 2,
  },
];

interface Prepared {
  stack: Stack;
  weights: Float32Array[];
  ref: RefConvLayer[];
  x: Float32Array;
  xShape: number[];
  y: Float32Array;
  yShape: number[];
  targets: number[][];
  outShape: number[];
  want: { loss: number; grads: Float64Array[] };
  wantOut: Float64Array;
}

/** Random float32 weights (scaled by the fan-in), data and targets, and the reference's loss, gradients, outputs. */
function prepare(
  stack: Stack,
  seed: number,
  given: { x?: Float32Array; weights?: (Float32Array | undefined)[] } = {},
): Prepared {
  const r = rng(seed);
  const shapes = weightShapes(stack.layers, stack.input);
  const weights = shapes.map((s, i) => {
    const scale = s.length === 1 ? 0.3 : 1.7 / Math.sqrt(prod(s) / s[s.length - 1]!);
    return given.weights?.[i] ?? Float32Array.from({ length: prod(s) }, () => scale * r());
  });
  const ref = refLayers(stack.layers, weights);
  const xShape = [stack.batch, ...stack.input];
  const x = given.x ?? Float32Array.from({ length: prod(xShape) }, () => r());
  const outShape = refOutputShapes(ref, stack.input).at(-1)!;
  const width = prod(outShape);
  const sparse = stack.loss === 'sparseCategoricalCrossentropy';
  const targets = Array.from({ length: stack.batch }, () =>
    sparse ? [Math.floor(((r() + 1) / 2) * width) % width] : Array.from({ length: width }, () => Math.fround(r())),
  );
  const y = Float32Array.from(targets.flat());
  const yShape = sparse ? [stack.batch] : [stack.batch, width];
  const refX = { data: Float64Array.from(x), shape: xShape };
  const want = refLoss(ref, stack.loss, refX, targets);
  const wantOut = refForward(ref, refX).output.data;
  return { stack, weights, ref, x, xShape, y, yShape, targets, outShape, want, wantOut };
}

function buildModel(p: Prepared): nn.Sequential {
  const model = nn.sequential(p.stack.layers.map((s, i) => nnLayer(s, i === 0 ? p.stack.input : undefined)));
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: p.stack.loss });
  model.setWeights(p.weights);
  return model;
}

/** ‖got − want‖ / max(‖want‖, floor), per weight tensor. */
function tensorError(got: ArrayLike<number>, want: ArrayLike<number>, floor = 1e-3): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), floor);
}

/** Checks one prepared stack on the active ISA; returns the failures as text (empty when it passes). */
function check(p: Prepared, label: string): string[] {
  const failures: string[] = [];
  const model = buildModel(p);
  const shapes = model as unknown as { inputShape?: number[]; outputShape?: number[] };
  if (shapes.inputShape !== undefined && JSON.stringify(shapes.inputShape) !== JSON.stringify(p.stack.input))
    failures.push(
      `${label}: model.inputShape [${shapes.inputShape.join(', ')}], expected [${p.stack.input.join(', ')}]`,
    );
  const outputShape = shapes.outputShape;
  if (outputShape !== undefined && JSON.stringify(outputShape) !== JSON.stringify(p.outShape))
    failures.push(`${label}: model.outputShape [${outputShape.join(', ')}], expected [${p.outShape.join(', ')}]`);
  const got = model.computeGradients(nn.tensor(p.x, p.xShape), nn.tensor(p.y, p.yShape));
  if (Math.abs(got.loss - p.want.loss) > 2e-5 * (1 + Math.abs(p.want.loss)))
    failures.push(`${label}: loss ${got.loss}, expected ${p.want.loss}`);
  if (got.grads.length !== p.want.grads.length)
    failures.push(`${label}: ${got.grads.length} gradient tensors, expected ${p.want.grads.length}`);
  else
    got.grads.forEach((g, i) => {
      const err = tensorError(g, p.want.grads[i]!);
      if (!(err < 2e-4)) {
        let worst = 0;
        for (let j = 1; j < g.length; j++)
          if (Math.abs(g[j]! - p.want.grads[i]![j]!) > Math.abs(g[worst]! - p.want.grads[i]![worst]!)) worst = j;
        failures.push(
          `${label}: gradient of weight ${i} (shape [${weightShapes(p.stack.layers, p.stack.input)[i]!.join(', ')}]) relative error ${err.toExponential(2)}; worst at [${worst}]: got ${g[worst]}, expected ${p.want.grads[i]![worst]}`,
        );
      }
    });
  const pred = model.predict(nn.tensor(p.x, p.xShape));
  if (JSON.stringify(pred.shape) !== JSON.stringify([p.stack.batch, ...p.outShape]))
    failures.push(
      `${label}: predict shape [${pred.shape.join(', ')}], expected [${[p.stack.batch, ...p.outShape].join(', ')}]`,
    );
  for (let j = 0; j < p.wantOut.length; j++)
    if (!(Math.abs(pred.data[j]! - p.wantOut[j]!) <= 2e-5 * (1 + Math.abs(p.wantOut[j]!)))) {
      failures.push(`${label}: predict output [${j}] ${pred.data[j]}, expected ${p.wantOut[j]}`);
      break;
    }
  return failures;
}

const PREPARED = STACKS.map((s, i) => prepare(s, 100 + i));
const RANDOM = randomStacks(150, 77).map((s, i) => prepare(s, 5000 + i));

describe.skipIf(!HAS_CONV_LAYERS)(
  `convolutional layers against the float64 reference${HAS_CONV_LAYERS ? '' : ': skipped, nn.layers has no conv2d/pooling/flatten/reshape in this build'}`,
  () => {
    it('native gradients and the reference gradients agree with central differences of the float64 loss', () => {
      // The direct finite-difference link for every stack, at three coordinates of each weight tensor (the
      // reference's full proof, every coordinate and the inputs too, is in conv-reference.test.ts).
      for (const p of PREPARED) {
        // The large stacks are left to the small ones' proof (each difference is two whole forward passes).
        if (p.weights.reduce((n, w) => n + w.length, 0) > 20_000) continue;
        const native = buildModel(p).computeGradients(nn.tensor(p.x, p.xShape), nn.tensor(p.y, p.yShape)).grads;
        const refX = { data: Float64Array.from(p.x), shape: p.xShape };
        p.want.grads.forEach((g, which) => {
          const coords = [0, Math.floor(g.length / 2), g.length - 1];
          const fd = refFiniteDifference(p.ref, p.stack.loss, refX, p.targets, which, coords);
          const scale = Math.max(1e-3, ...g.map(Math.abs));
          fd.forEach((v, i) => {
            const at = `${p.stack.name}: weight ${which}[${coords[i]}]`;
            expect(Math.abs(v - g[coords[i]!]!) / scale, `${at}, reference`).toBeLessThan(1e-6);
            expect(Math.abs(v - native[which]![coords[i]!]!) / scale, `${at}, native`).toBeLessThan(1e-4);
          });
        });
      }
    });

    for (const isa of ISAS)
      it(`computeGradients and predict match the reference for ${STACKS.length} stacks on ${isa}`, () => {
        const failures = withIsa(isa, () => PREPARED.flatMap((p) => check(p, `${p.stack.name} [${isa}]`)));
        expect(failures, failures.join('\n')).toEqual([]);
      });

    for (const isa of ISAS)
      it(`computeGradients and predict match the reference for ${RANDOM.length} random geometries on ${isa}`, () => {
        const failures = withIsa(isa, () => RANDOM.flatMap((p) => check(p, `${p.stack.name} [${isa}]`)));
        expect(failures, failures.join('\n')).toEqual([]);
      });

    it('sends the max-pooling gradient to the first maximum in window order on exact ties, on every ISA', () => {
      // A 1x1 convolution with a kernel of ones and no bias gives x0 + x1 exactly: (0.5, 0.25), (0.25, 0.5) and
      // (0.75, 0) all give 0.75, so which tied cell takes the gradient shows in the kernel's gradient.
      const cells = [
        [0.5, 0.25],
        [0.25, 0.5],
        [0.125, 0.125],
        [0.75, 0],
      ];
      const stacks: { name: string; input: number[]; pool: LayerSpec; x: number[][] }[] = [
        { name: 'maxPooling2d 2x2', input: [2, 2, 2], pool: { type: 'maxPooling2d', poolSize: [2, 2] }, x: cells },
        {
          name: 'maxPooling2d 2x2 same over 3x3 (ties at the edge)',
          input: [3, 3, 2],
          pool: { type: 'maxPooling2d', poolSize: [2, 2], padding: 'same' },
          x: [cells[2]!, cells[2]!, cells[1]!, cells[2]!, cells[2]!, cells[3]!, cells[0]!, cells[1]!, cells[3]!],
        },
        { name: 'maxPooling1d 4', input: [4, 2], pool: { type: 'maxPooling1d', poolSize: [4] }, x: cells },
        {
          name: 'maxPooling1d 3 stride 1',
          input: [5, 2],
          pool: { type: 'maxPooling1d', poolSize: [3], strides: [1] },
          x: [cells[2]!, cells[1]!, cells[3]!, cells[0]!, cells[2]!],
        },
        { name: 'globalMaxPooling2d', input: [2, 2, 2], pool: { type: 'globalMaxPooling2d' }, x: cells },
        {
          name: 'globalMaxPooling1d',
          input: [5, 2],
          pool: { type: 'globalMaxPooling1d' },
          x: [cells[2]!, ...cells.slice(1), cells[0]!],
        },
      ];
      // One filter, and 17 or 40 identical ones (the same ties in every channel: vector lanes and their tails).
      for (const filters of [1, 17, 40])
        for (const t of stacks) {
          const oneD = t.input.length === 2;
          const global = t.pool.type.startsWith('global');
          const stack: Stack = {
            name: `ties: ${t.name}, ${filters} channel(s)`,
            input: t.input,
            layers: [
              { type: oneD ? 'conv1d' : 'conv2d', filters, kernelSize: oneD ? [1] : [1, 1], useBias: false },
              t.pool,
              ...(global ? [] : [{ type: 'flatten' } as LayerSpec]),
              { type: 'dense', units: 2 },
            ],
            loss: 'meanSquaredError',
            batch: 1,
          };
          const p = prepare(stack, 3, {
            x: Float32Array.from(t.x.flat()),
            weights: [new Float32Array(2 * filters).fill(1)],
          });
          for (const isa of ISAS) {
            const failures = withIsa(isa, () => check(p, `${stack.name} [${isa}]`));
            expect(failures, failures.join('\n')).toEqual([]);
          }
        }
    });

    it('predicts one sample at a time, predictAsync and evaluate like the reference, on every ISA', async () => {
      const picked = PREPARED.filter((_, i) => i % 7 === 0);
      for (const isa of ISAS)
        for (const p of picked) {
          const label = `${p.stack.name} [${isa}]`;
          const model = withIsa(isa, () => buildModel(p));
          const sample = prod(p.stack.input);
          const width = prod(p.outShape);
          for (let s = 0; s < p.stack.batch; s++) {
            const one = withIsa(isa, () =>
              model.predict(nn.tensor(p.x.subarray(s * sample, (s + 1) * sample), [1, ...p.stack.input])),
            );
            one.data.forEach((v, j) =>
              expect(Math.abs(v - p.wantOut[s * width + j]!), `${label}: batch-1 output ${s}[${j}]`).toBeLessThan(
                2e-5 * (1 + Math.abs(p.wantOut[s * width + j]!)),
              ),
            );
          }
          const all = await withIsaAsync(isa, () => model.predictAsync(nn.tensor(p.x, p.xShape)));
          all.data.forEach((v, j) =>
            expect(Math.abs(v - p.wantOut[j]!), `${label}: predictAsync output [${j}]`).toBeLessThan(
              2e-5 * (1 + Math.abs(p.wantOut[j]!)),
            ),
          );
          const logs = withIsa(isa, () => model.evaluate(nn.tensor(p.x, p.xShape), nn.tensor(p.y, p.yShape)));
          // evaluate reports the data loss plus the regularization terms (as fit does).
          expect(Math.abs(logs.loss! - p.want.loss), `${label}: evaluate loss`).toBeLessThan(
            2e-5 * (1 + Math.abs(p.want.loss)),
          );
          // In batches of one row: the mean of the rows' losses is the same number.
          const byRow = withIsa(isa, () =>
            model.evaluate(nn.tensor(p.x, p.xShape), nn.tensor(p.y, p.yShape), { batchSize: 1 }),
          );
          expect(Math.abs(byRow.loss! - p.want.loss), `${label}: evaluate loss, batchSize 1`).toBeLessThan(
            2e-5 * (1 + Math.abs(p.want.loss)),
          );
        }
    });

    it('takes a number for kernelSize, strides, dilationRate and poolSize, as the same size on every axis', () => {
      const r = rng(11);
      const x = nn.tensor(
        Float32Array.from({ length: 2 * 9 * 9 * 2 }, () => r()),
        [2, 9, 9, 2],
      );
      const build = (numbers: boolean) => {
        const v = (n: number) => (numbers ? n : [n, n]);
        const model = nn.sequential([
          layerFactory('conv2d')({
            filters: 3,
            kernelSize: v(3),
            strides: v(2),
            padding: 'same',
            inputShape: [9, 9, 2],
          }),
          layerFactory('conv2d')({ filters: 2, kernelSize: v(2), dilationRate: v(2) }),
          layerFactory('maxPooling2d')({ poolSize: v(2), strides: v(1) }),
          layerFactory('flatten')(),
          nn.layers.dense({ units: 2 }),
        ]);
        model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
        return model;
      };
      const a = build(true);
      const b = build(false);
      expect(a.outputShape).toEqual(b.outputShape);
      const w = a.getWeights().map((t) => t.map(() => r()));
      a.setWeights(w);
      b.setWeights(w);
      expect(Array.from(a.predict(x).data)).toEqual(Array.from(b.predict(x).data));
      const pool1d = (numbers: boolean) => {
        const model = nn.sequential([
          layerFactory('conv1d')({
            filters: 2,
            kernelSize: numbers ? 3 : [3],
            strides: numbers ? 2 : [2],
            inputShape: [9, 2],
          }),
          layerFactory('averagePooling1d')({ poolSize: numbers ? 2 : [2] }),
        ]);
        return model.outputShape;
      };
      expect(pool1d(true)).toEqual([2, 2]);
      expect(pool1d(false)).toEqual([2, 2]);
    });

    it('gives the same gradients and outputs with one and two compute threads on a larger batch', () => {
      const stack: Stack = {
        name: 'conv2d 3x3 relu, maxPooling2d, conv2d same, flatten, dense softmax (batch 37)',
        input: [10, 10, 3],
        layers: [
          { type: 'conv2d', filters: 8, kernelSize: [3, 3], act: 'relu' },
          { type: 'maxPooling2d', poolSize: [2, 2] },
          { type: 'conv2d', filters: 5, kernelSize: [3, 3], padding: 'same', act: 'tanh' },
          { type: 'flatten' },
          { type: 'dense', units: 4, act: 'softmax' },
        ],
        loss: 'sparseCategoricalCrossentropy',
        batch: 37,
      };
      const p = prepare(stack, 7);
      const before = nn.info().threads;
      try {
        for (const threads of [1, 2]) {
          nn.setThreads(threads);
          const failures = check(p, `${stack.name}, ${threads} thread(s)`);
          expect(failures, failures.join('\n')).toEqual([]);
        }
      } finally {
        nn.setThreads(before);
      }
    });

    it('predicts a batch of 300 (row blocks over threads) like the reference', () => {
      const stack: Stack = {
        name: 'conv1d same relu, maxPooling1d, globalAveragePooling1d, dense (batch 300)',
        input: [16, 3],
        layers: [
          { type: 'conv1d', filters: 6, kernelSize: [5], padding: 'same', act: 'relu' },
          { type: 'maxPooling1d', poolSize: [2] },
          { type: 'globalAveragePooling1d' },
          { type: 'dense', units: 3 },
        ],
        loss: 'meanSquaredError',
        batch: 300,
      };
      const p = prepare(stack, 8);
      const before = nn.info().threads;
      try {
        nn.setThreads(2);
        const failures = check(p, stack.name);
        expect(failures, failures.join('\n')).toEqual([]);
      } finally {
        nn.setThreads(before);
      }
    });
  },
);
