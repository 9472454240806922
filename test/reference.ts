// A float64 JavaScript reference of a dense network, its losses and their
// finite-difference gradients, written from the formulas in API.md.
export type Act = 'linear' | 'relu' | 'leakyRelu' | 'elu' | 'gelu' | 'sigmoid' | 'tanh' | 'softmax' | 'softplus';
export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'huber'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

/** erf to ~1e-12 for |x| < 4 (Taylor series), ±1 beyond (error < 2e-8). */
export function erf(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export function activate(act: Act, z: number[]): number[] {
  switch (act) {
    case 'linear':
      return z.slice();
    case 'relu':
      return z.map((v) => Math.max(v, 0));
    case 'leakyRelu':
      return z.map((v) => (v > 0 ? v : 0.01 * v));
    case 'elu':
      return z.map((v) => (v > 0 ? v : Math.expm1(v)));
    case 'gelu':
      return z.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
    case 'sigmoid':
      return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh':
      return z.map((v) => Math.tanh(v));
    case 'softplus':
      return z.map((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
    case 'softmax': {
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }
  }
}

export interface RefLayer {
  w: Float64Array; // [inputs, units]
  b: Float64Array | null;
  inputs: number;
  units: number;
  act: Act;
}

/** Forward pass of one sample; returns the pre-activation and the output of the last layer. */
export function forwardSample(layers: RefLayer[], x: number[]): { z: number[]; y: number[] } {
  let a = x;
  let z: number[] = [];
  for (const l of layers) {
    z = new Array(l.units).fill(0);
    for (let j = 0; j < l.units; j++) {
      let s = l.b ? l.b[j]! : 0;
      for (let i = 0; i < l.inputs; i++) s += a[i]! * l.w[i * l.units + j]!;
      z[j] = s;
    }
    a = activate(l.act, z);
  }
  return { z, y: a };
}

const EPS = 1e-7;
const clip = (p: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, p));

/** Loss of one sample, from the last layer's pre-activation z and output y (fused forms use z). */
export function sampleLoss(loss: LossName, lastAct: Act, z: number[], y: number[], target: number[]): number {
  const n = y.length;
  switch (loss) {
    case 'meanSquaredError':
      return y.reduce((s, v, j) => s + (v - target[j]!) ** 2, 0) / n;
    case 'meanAbsoluteError':
      return y.reduce((s, v, j) => s + Math.abs(v - target[j]!), 0) / n;
    case 'huber':
      return (
        y.reduce((s, v, j) => {
          const d = Math.abs(v - target[j]!);
          return s + (d <= 1 ? 0.5 * d * d : d - 0.5);
        }, 0) / n
      );
    case 'binaryCrossentropy':
      if (lastAct === 'sigmoid')
        return z.reduce((s, v, j) => s + Math.max(v, 0) - v * target[j]! + Math.log1p(Math.exp(-Math.abs(v))), 0) / n;
      return (
        y.reduce((s, v, j) => {
          const p = clip(v, EPS, 1 - EPS);
          return s - (target[j]! * Math.log(p) + (1 - target[j]!) * Math.log(1 - p));
        }, 0) / n
      );
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      const t = loss === 'sparseCategoricalCrossentropy' ? y.map((_, j) => (j === target[0] ? 1 : 0)) : target;
      if (lastAct === 'softmax') {
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
        return t.reduce((s, tv, j) => s - tv * (z[j]! - lse), 0);
      }
      return t.reduce((s, tv, j) => s - tv * Math.log(clip(y[j]!, EPS, 1)), 0);
    }
  }
}

/** Mean loss over the batch (without regularization). */
export function batchLoss(layers: RefLayer[], loss: LossName, xs: number[][], ts: number[][]): number {
  const last = layers[layers.length - 1]!.act;
  let total = 0;
  xs.forEach((x, r) => {
    const { z, y } = forwardSample(layers, x);
    total += sampleLoss(loss, last, z, y, ts[r]!);
  });
  return total / xs.length;
}

/** Central finite differences of batchLoss (+ regularization) for every parameter, in getWeights() order. */
export function finiteDifferenceGrads(
  layers: RefLayer[],
  loss: LossName,
  xs: number[][],
  ts: number[][],
  reg: (layer: number, kind: 'w' | 'b') => { l1: number; l2: number } = () => ({ l1: 0, l2: 0 }),
  h = 1e-6,
): Float64Array[] {
  const total = () => {
    let r = batchLoss(layers, loss, xs, ts);
    layers.forEach((l, i) => {
      for (const [kind, arr] of [
        ['w', l.w],
        ['b', l.b],
      ] as const) {
        if (!arr) continue;
        const { l1, l2 } = reg(i, kind);
        for (const v of arr) r += l1 * Math.abs(v) + l2 * v * v;
      }
    });
    return r;
  };
  const grads: Float64Array[] = [];
  for (const l of layers)
    for (const arr of [l.w, l.b]) {
      if (!arr) continue;
      const g = new Float64Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i]!;
        arr[i] = keep + h;
        const up = total();
        arr[i] = keep - h;
        const down = total();
        arr[i] = keep;
        g[i] = (up - down) / (2 * h);
      }
      grads.push(g);
    }
  return grads;
}
