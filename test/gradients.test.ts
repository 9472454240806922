// Backpropagation proven by finite differences: the native float32 gradients
// of every activation with every loss, 1-3 hidden layers, with and without
// bias, on every ISA, against central differences of a float64 reference.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, rng, withIsa } from './helpers.js';
import { type Act, type LossName, type RefLayer, finiteDifferenceGrads, forwardSample } from './reference.js';

const ACTS: Act[] = ['linear', 'relu', 'leakyRelu', 'elu', 'gelu', 'sigmoid', 'tanh', 'softmax', 'softplus'];
const LOSSES: LossName[] = [
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
];

/** Output activations to test with each loss (the probability losses need probabilities). */
function outputActs(loss: LossName): Act[] {
  if (loss === 'binaryCrossentropy') return ['sigmoid', 'softmax'];
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') return ['softmax', 'sigmoid'];
  return ['linear', 'tanh', 'relu', 'softplus'];
}

function targets(loss: LossName, rows: number, out: number, r: () => number): number[][] {
  const ts: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const cls = Math.floor(((r() + 1) / 2) * out) % out;
    if (loss === 'sparseCategoricalCrossentropy') ts.push([cls]);
    else if (loss === 'categoricalCrossentropy') ts.push(Array.from({ length: out }, (_, j) => (j === cls ? 1 : 0)));
    else if (loss === 'binaryCrossentropy') ts.push(Array.from({ length: out }, () => (r() > 0 ? 1 : 0)));
    else ts.push(Array.from({ length: out }, () => 1.5 * r()));
  }
  return ts;
}

function check(hidden: Act, loss: LossName, outAct: Act, depth: number, useBias: boolean, seed: number) {
  const r = rng(seed);
  const inputs = 5;
  const widths = [6, 4, 5].slice(0, depth);
  const out = 3;
  const rows = 4;
  const layers = [
    ...widths.map((units, i) =>
      nn.layers.dense({ units, activation: hidden, useBias, ...(i === 0 ? { inputDim: inputs } : {}) }),
    ),
    nn.layers.dense({ units: out, activation: outAct, useBias }),
  ];
  const model = nn.sequential(layers);
  model.build(inputs, seed);
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss });
  // Random weights of a moderate scale, rounded to float32 so both sides see the same values.
  const weights = model.getWeights().map((w) => w.map(() => 0.8 * r()));
  model.setWeights(weights);
  const xs = Array.from({ length: rows }, () => Array.from({ length: inputs }, () => Math.fround(1.5 * r())));
  const ts = targets(loss, rows, out, r);
  // The reference network.
  const ref: RefLayer[] = [];
  let k = 0;
  let width = inputs;
  for (const units of [...widths, out]) {
    const w = Float64Array.from(weights[k++]!);
    const b = useBias ? Float64Array.from(weights[k++]!) : null;
    ref.push({ w, b, inputs: width, units, act: ref.length < widths.length ? hidden : outAct });
    width = units;
  }
  const want = finiteDifferenceGrads(ref, loss, xs, ts);
  const got = model.computeGradients(xs, loss === 'sparseCategoricalCrossentropy' ? ts.map((t) => t[0]!) : ts);
  expect(got.grads.length).toBe(want.length);
  let num = 0;
  let den = 0;
  got.grads.forEach((g, i) => {
    for (let j = 0; j < g.length; j++) {
      num += (g[j]! - want[i]![j]!) ** 2;
      den += want[i]![j]! ** 2;
    }
  });
  const err = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-4);
  expect(err, `${hidden}/${outAct}/${loss} depth ${depth} bias ${useBias}`).toBeLessThan(2e-3);
  // Forward outputs against the reference.
  const pred = model.predict(xs);
  xs.forEach((x, i) => {
    const { y } = forwardSample(ref, x);
    y.forEach((v, j) => expect(Math.abs(pred.data[i * out + j]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
  });
}

describe('gradients by finite differences (float64 reference)', () => {
  for (const isa of ISAS)
    it(`every hidden activation with every loss, on ${isa}`, () => {
      withIsa(isa, () => {
        let seed = 1;
        for (const loss of LOSSES)
          for (const hidden of ACTS)
            for (const outAct of outputActs(loss)) check(hidden, loss, outAct, 1 + (seed % 3), seed++ % 2 === 0, seed);
      });
    });

  it('one, two and three hidden layers, with and without bias', () => {
    let seed = 100;
    for (const depth of [1, 2, 3])
      for (const useBias of [true, false])
        for (const loss of LOSSES) check('tanh', loss, outputActs(loss)[0]!, depth, useBias, seed++);
  });

  it('includes the regularizers in the loss and the gradient', () => {
    const model = nn.sequential([
      nn.layers.dense({
        units: 3,
        inputDim: 2,
        activation: 'tanh',
        kernelRegularizer: nn.regularizers.l1l2({ l1: 0.01, l2: 0.02 }),
        biasRegularizer: nn.regularizers.l2(0.05),
      }),
      nn.layers.dense({ units: 1, kernelRegularizer: nn.regularizers.l1(0.03) }),
    ]);
    model.build(2, 5);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const r = rng(9);
    const weights = model.getWeights().map((w) => w.map(() => 0.7 * r()));
    model.setWeights(weights);
    const xs = [
      [0.5, -1],
      [1, 0.25],
    ];
    const ts = [[0.3], [-0.2]];
    const ref: RefLayer[] = [
      { w: Float64Array.from(weights[0]!), b: Float64Array.from(weights[1]!), inputs: 2, units: 3, act: 'tanh' },
      { w: Float64Array.from(weights[2]!), b: Float64Array.from(weights[3]!), inputs: 3, units: 1, act: 'linear' },
    ];
    const regs = (layer: number, kind: 'w' | 'b') =>
      layer === 0
        ? kind === 'w'
          ? { l1: 0.01, l2: 0.02 }
          : { l1: 0, l2: 0.05 }
        : kind === 'w'
          ? { l1: 0.03, l2: 0 }
          : { l1: 0, l2: 0 };
    const want = finiteDifferenceGrads(ref, 'meanSquaredError', xs, ts, regs);
    const got = model.computeGradients(xs, ts);
    got.grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThan(2e-5)));
  });

  it('gives finite losses and gradients for logits of +-1000 (fused softmax and sigmoid)', () => {
    for (const [loss, act] of [
      ['categoricalCrossentropy', 'softmax'],
      ['sparseCategoricalCrossentropy', 'softmax'],
      ['binaryCrossentropy', 'sigmoid'],
    ] as const) {
      const model = nn.sequential([nn.layers.dense({ units: 2, inputDim: 1, activation: act, useBias: false })]);
      model.compile({ optimizer: 'sgd', loss });
      model.setWeights([new Float32Array([1000, -1000])]);
      const y = loss === 'sparseCategoricalCrossentropy' ? [1] : [[0, 1]];
      const { loss: l, grads } = model.computeGradients([[1]], y);
      expect(Number.isFinite(l)).toBe(true);
      // The wrong class has logit 1000 vs -1000: the loss is about 2000 (softmax) or 1000 (sigmoid, mean of two).
      expect(l).toBeGreaterThan(900);
      grads.forEach((g) => g.forEach((v) => expect(Number.isFinite(v)).toBe(true)));
    }
  });
});
