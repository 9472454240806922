// A float64 reference of small channels-last networks with normalization
// layers (dense, conv1d / conv2d with 'valid' padding and stride 1, batch and
// layer normalization, relu, flatten) and the mean squared error, for the
// normalization tests. Weights are taken in getWeights order.

export type RefSpec =
  | { type: 'dense'; units: number; bias?: boolean; relu?: boolean }
  | { type: 'conv'; filters: number; k: number[]; bias?: boolean }
  | { type: 'bn'; momentum?: number; epsilon?: number; center?: boolean; scale?: boolean; frozen?: boolean }
  | { type: 'ln'; epsilon?: number; center?: boolean; scale?: boolean }
  | { type: 'relu' }
  | { type: 'flatten' };

export interface RefTensor {
  data: Float64Array;
  shape: number[]; // [n, ...sample]
}

/** Number of weight tensors each spec takes, in getWeights order. */
export function weightCount(s: RefSpec): number {
  switch (s.type) {
    case 'dense':
    case 'conv':
      return s.bias === false ? 1 : 2;
    case 'bn':
      return (s.scale === false ? 0 : 1) + (s.center === false ? 0 : 1) + 2;
    case 'ln':
      return (s.scale === false ? 0 : 1) + (s.center === false ? 0 : 1);
    default:
      return 0;
  }
}

export interface BatchStats {
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * The forward pass. training: batch normalization with the batch's statistics (unless frozen), which are
 * returned per batch normalization in `stats`; otherwise with the moving statistics from the weights.
 */
export function refForward(
  specs: RefSpec[],
  weights: ArrayLike<number>[],
  x: RefTensor,
  training: boolean,
): { y: RefTensor; stats: BatchStats[] } {
  let t = x;
  let w = 0;
  const stats: BatchStats[] = [];
  for (const s of specs) {
    const ws = weights.slice(w, w + weightCount(s));
    w += weightCount(s);
    const n = t.shape[0]!;
    const c = t.shape[t.shape.length - 1]!;
    const rows = t.data.length / c;
    if (s.type === 'dense') {
      const [k, b] = ws;
      const out = new Float64Array(n * s.units);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < s.units; j++) {
          let v = s.bias === false ? 0 : b![j]!;
          for (let p = 0; p < c; p++) v += t.data[i * c + p]! * k![p * s.units + j]!;
          out[i * s.units + j] = s.relu && v < 0 ? 0 : v;
        }
      t = { data: out, shape: [n, s.units] };
    } else if (s.type === 'conv') {
      const [k, b] = ws;
      const spatial = t.shape.slice(1, -1);
      const kh = s.k.length === 2 ? s.k[0]! : 1;
      const kw = s.k[s.k.length - 1]!;
      const H = spatial.length === 2 ? spatial[0]! : 1;
      const W = spatial[spatial.length - 1]!;
      const oh = H - kh + 1;
      const ow = W - kw + 1;
      const F = s.filters;
      const out = new Float64Array(n * oh * ow * F);
      for (let i = 0; i < n; i++)
        for (let y = 0; y < oh; y++)
          for (let xx = 0; xx < ow; xx++)
            for (let f = 0; f < F; f++) {
              let v = s.bias === false ? 0 : b![f]!;
              for (let a = 0; a < kh; a++)
                for (let bb = 0; bb < kw; bb++)
                  for (let ch = 0; ch < c; ch++)
                    v += t.data[((i * H + y + a) * W + xx + bb) * c + ch]! * k![((a * kw + bb) * c + ch) * F + f]!;
              out[((i * oh + y) * ow + xx) * F + f] = v;
            }
      t = { data: out, shape: spatial.length === 2 ? [n, oh, ow, F] : [n, ow, F] };
    } else if (s.type === 'bn') {
      let i = 0;
      const gamma = s.scale === false ? undefined : ws[i++];
      const beta = s.center === false ? undefined : ws[i++];
      const mm = ws[i]!;
      const mv = ws[i + 1]!;
      const eps = s.epsilon ?? 1e-3;
      const mean = new Float64Array(c);
      const variance = new Float64Array(c);
      if (training && !s.frozen) {
        for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j] = mean[j]! + t.data[r * c + j]! / rows;
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < c; j++) variance[j] = variance[j]! + (t.data[r * c + j]! - mean[j]!) ** 2 / rows;
        stats.push({ mean: mean.slice(), variance: variance.slice() });
      } else {
        for (let j = 0; j < c; j++) {
          mean[j] = mm[j]!;
          variance[j] = mv[j]!;
        }
      }
      const out = new Float64Array(t.data.length);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < c; j++)
          out[r * c + j] =
            ((t.data[r * c + j]! - mean[j]!) / Math.sqrt(variance[j]! + eps)) * (gamma ? gamma[j]! : 1) +
            (beta ? beta[j]! : 0);
      t = { data: out, shape: t.shape };
    } else if (s.type === 'ln') {
      const gamma = s.scale === false ? undefined : ws[0];
      const beta = s.center === false ? undefined : ws[s.scale === false ? 0 : 1];
      const eps = s.epsilon ?? 1e-3;
      const out = new Float64Array(t.data.length);
      for (let r = 0; r < rows; r++) {
        let m = 0;
        for (let j = 0; j < c; j++) m += t.data[r * c + j]! / c;
        let v = 0;
        for (let j = 0; j < c; j++) v += (t.data[r * c + j]! - m) ** 2 / c;
        for (let j = 0; j < c; j++)
          out[r * c + j] =
            ((t.data[r * c + j]! - m) / Math.sqrt(v + eps)) * (gamma ? gamma[j]! : 1) + (beta ? beta[j]! : 0);
      }
      t = { data: out, shape: t.shape };
    } else if (s.type === 'relu') {
      t = { data: t.data.map((v) => (v < 0 ? 0 : v)), shape: t.shape };
    } else {
      t = { data: t.data, shape: [n, t.data.length / n] };
    }
  }
  return { y: t, stats };
}

/** Mean squared error over every element. */
export function mse(y: RefTensor, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += (y.data[i]! - target[i]!) ** 2;
  return s / y.data.length;
}

/** Central differences of the training-mode MSE over every weight (in float64). */
export function refGradients(
  specs: RefSpec[],
  weights: Float32Array[],
  x: RefTensor,
  target: ArrayLike<number>,
  training: boolean,
  h = 1e-6,
): Float64Array[] {
  const w64 = weights.map((w) => Float64Array.from(w));
  return w64.map((w) => {
    const g = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const keep = w[i]!;
      w[i] = keep + h;
      const up = mse(refForward(specs, w64, x, training).y, target);
      w[i] = keep - h;
      const down = mse(refForward(specs, w64, x, training).y, target);
      w[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}
