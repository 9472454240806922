// A float64 JavaScript reference of convolution, pooling, flatten and reshape
// (forward and backward), and of a small sequential model built from them and
// the dense layers, losses and activations of reference.ts. Written from the
// formulas of API.md ("Convolutional and normalization layers"): channels last,
// kernels [kh, kw, in, filters], TensorFlow's 'same' padding rule.
//
// Every 1-D layer is its 2-D counterpart with a height of one: a sample
// [steps, c] is [1, steps, c] and a conv1d kernel [k, in, f] is [1, k, in, f].
import { type Act, type LossName, activate, erf, sampleLoss } from './reference.js';

export type Padding = 'valid' | 'same';

/** A batch: row-major float64 data and its shape, batch first. */
export interface RefTensor {
  data: Float64Array;
  shape: number[];
}

/** One spatial axis of a window: its output size and the padding before it (top or left). */
export interface AxisGeometry {
  out: number;
  padBefore: number;
}

/**
 * API.md's rule along one axis. 'valid': no padding, output floor((in − (k − 1)·d − 1) / s) + 1 (0 when the
 * window does not fit). 'same': output ceil(in / s), total padding max((out − 1)·s + (k − 1)·d + 1 − in, 0),
 * the smaller half before.
 */
export function axisGeometry(input: number, k: number, s: number, d: number, padding: Padding): AxisGeometry {
  const span = (k - 1) * d + 1;
  if (padding === 'valid') return { out: span > input ? 0 : Math.floor((input - span) / s) + 1, padBefore: 0 };
  const out = Math.ceil(input / s);
  const total = Math.max((out - 1) * s + span - input, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** A 2-D window (1-D windows have kh = sh = dh = 1). */
export interface Window2d {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padding: Padding;
}

interface Geometry2d extends Window2d {
  n: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  pt: number;
  pl: number;
}

function geometry(shape: number[], win: Window2d): Geometry2d {
  const [n, h, w, c] = shape as [number, number, number, number];
  const gh = axisGeometry(h, win.kh, win.sh, win.dh, win.padding);
  const gw = axisGeometry(w, win.kw, win.sw, win.dw, win.padding);
  if (gh.out < 1 || gw.out < 1) throw new Error(`window ${win.kh}x${win.kw} does not fit the input ${h}x${w}`);
  return { ...win, n, h, w, c, oh: gh.out, ow: gw.out, pt: gh.padBefore, pl: gw.padBefore };
}

/**
 * The input offsets (row-major [h, w, c] index of channel 0) under output cell (i, j), in window order
 * (a, then b), or -1 for a padded cell.
 */
function windowCells(g: Geometry2d, i: number, j: number): Int32Array {
  const cells = new Int32Array(g.kh * g.kw);
  for (let a = 0; a < g.kh; a++)
    for (let b = 0; b < g.kw; b++) {
      const y = i * g.sh + a * g.dh - g.pt;
      const x = j * g.sw + b * g.dw - g.pl;
      cells[a * g.kw + b] = y >= 0 && y < g.h && x >= 0 && x < g.w ? (y * g.w + x) * g.c : -1;
    }
  return cells;
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution

/** y[n, i, j, f] = b[f] + Σ x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, c] · K[a, b, c, f]; x is [n, h, w, c]. */
export function conv2dForward(
  x: RefTensor,
  kernel: Float64Array,
  bias: Float64Array | null,
  filters: number,
  win: Window2d,
): RefTensor {
  const g = geometry(x.shape, win);
  const { n, h, w, c, oh, ow } = g;
  const out = new Float64Array(n * oh * ow * filters);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const cells = windowCells(g, i, j);
        const o = ((s * oh + i) * ow + j) * filters;
        for (let f = 0; f < filters; f++) out[o + f] = bias ? bias[f]! : 0;
        for (let t = 0; t < cells.length; t++) {
          if (cells[t]! < 0) continue;
          const xi = s * h * w * c + cells[t]!;
          for (let ci = 0; ci < c; ci++) {
            const v = x.data[xi + ci]!;
            const k = (t * c + ci) * filters;
            for (let f = 0; f < filters; f++) out[o + f] = out[o + f]! + v * kernel[k + f]!;
          }
        }
      }
  return { data: out, shape: [n, oh, ow, filters] };
}

/** Gradients of a convolution from dy (the gradient of its pre-activation output). */
export function conv2dBackward(
  x: RefTensor,
  kernel: Float64Array,
  filters: number,
  win: Window2d,
  dy: Float64Array,
  useBias: boolean,
): { dx: Float64Array; dKernel: Float64Array; dBias: Float64Array | null } {
  const g = geometry(x.shape, win);
  const { n, h, w, c, oh, ow } = g;
  const dx = new Float64Array(x.data.length);
  const dKernel = new Float64Array(kernel.length);
  const dBias = useBias ? new Float64Array(filters) : null;
  for (let s = 0; s < n; s++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const cells = windowCells(g, i, j);
        const o = ((s * oh + i) * ow + j) * filters;
        if (dBias) for (let f = 0; f < filters; f++) dBias[f] = dBias[f]! + dy[o + f]!;
        for (let t = 0; t < cells.length; t++) {
          if (cells[t]! < 0) continue;
          const xi = s * h * w * c + cells[t]!;
          for (let ci = 0; ci < c; ci++) {
            const k = (t * c + ci) * filters;
            let acc = 0;
            for (let f = 0; f < filters; f++) {
              const d = dy[o + f]!;
              acc += d * kernel[k + f]!;
              dKernel[k + f] = dKernel[k + f]! + d * x.data[xi + ci]!;
            }
            dx[xi + ci] = dx[xi + ci]! + acc;
          }
        }
      }
  return { dx, dKernel, dBias };
}

// ---------------------------------------------------------------------------------------------------------------
// Pooling

/**
 * Max or average pooling over [n, h, w, c]. Max ignores padded cells and keeps, per output, the input index of
 * the first maximum in window order; average divides by the number of real cells under the window.
 */
export function pool2dForward(
  kind: 'max' | 'average',
  x: RefTensor,
  win: Window2d,
): { y: RefTensor; argmax: Int32Array | null } {
  const g = geometry(x.shape, win);
  const { n, h, w, c, oh, ow } = g;
  const out = new Float64Array(n * oh * ow * c);
  const argmax = kind === 'max' ? new Int32Array(out.length) : null;
  for (let s = 0; s < n; s++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const cells = windowCells(g, i, j);
        const o = ((s * oh + i) * ow + j) * c;
        for (let ci = 0; ci < c; ci++) {
          let best = -Infinity;
          let where = -1;
          let sum = 0;
          let count = 0;
          for (let t = 0; t < cells.length; t++) {
            if (cells[t]! < 0) continue;
            const xi = s * h * w * c + cells[t]! + ci;
            const v = x.data[xi]!;
            sum += v;
            count++;
            if (v > best) {
              best = v;
              where = xi;
            }
          }
          if (count === 0) throw new Error(`pooling window at (${i}, ${j}) covers padding only`);
          if (argmax) {
            out[o + ci] = best;
            argmax[o + ci] = where;
          } else out[o + ci] = sum / count;
        }
      }
  return { y: { data: out, shape: [n, oh, ow, c] }, argmax };
}

export function pool2dBackward(
  kind: 'max' | 'average',
  x: RefTensor,
  win: Window2d,
  argmax: Int32Array | null,
  dy: Float64Array,
): Float64Array {
  const dx = new Float64Array(x.data.length);
  if (kind === 'max') {
    for (let o = 0; o < dy.length; o++) {
      const at = argmax![o]!;
      dx[at] = dx[at]! + dy[o]!;
    }
    return dx;
  }
  const g = geometry(x.shape, win);
  const { n, h, w, c, oh, ow } = g;
  for (let s = 0; s < n; s++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const cells = Array.from(windowCells(g, i, j)).filter((v) => v >= 0);
        const o = ((s * oh + i) * ow + j) * c;
        for (let ci = 0; ci < c; ci++)
          for (const cell of cells) {
            const at = s * h * w * c + cell + ci;
            dx[at] = dx[at]! + dy[o + ci]! / cells.length;
          }
      }
  return dx;
}

/** Global pooling over every axis but the batch and the channels: [n, ..., c] -> [n, c]. */
export function globalPoolForward(kind: 'max' | 'average', x: RefTensor): { y: RefTensor; argmax: Int32Array | null } {
  const n = x.shape[0]!;
  const c = x.shape[x.shape.length - 1]!;
  const cells = x.data.length / (n * c);
  const out = new Float64Array(n * c);
  const argmax = kind === 'max' ? new Int32Array(n * c) : null;
  for (let s = 0; s < n; s++)
    for (let ci = 0; ci < c; ci++) {
      let best = -Infinity;
      let where = -1;
      let sum = 0;
      for (let p = 0; p < cells; p++) {
        const xi = (s * cells + p) * c + ci;
        const v = x.data[xi]!;
        sum += v;
        if (v > best) {
          best = v;
          where = xi;
        }
      }
      out[s * c + ci] = kind === 'max' ? best : sum / cells;
      if (argmax) argmax[s * c + ci] = where;
    }
  return { y: { data: out, shape: [n, c] }, argmax };
}

export function globalPoolBackward(
  kind: 'max' | 'average',
  x: RefTensor,
  argmax: Int32Array | null,
  dy: Float64Array,
): Float64Array {
  const dx = new Float64Array(x.data.length);
  if (kind === 'max') {
    for (let o = 0; o < dy.length; o++) {
      const at = argmax![o]!;
      dx[at] = dx[at]! + dy[o]!;
    }
    return dx;
  }
  const n = x.shape[0]!;
  const c = x.shape[x.shape.length - 1]!;
  const cells = x.data.length / (n * c);
  for (let s = 0; s < n; s++)
    for (let p = 0; p < cells; p++)
      for (let ci = 0; ci < c; ci++) dx[(s * cells + p) * c + ci] = dy[s * c + ci]! / cells;
  return dx;
}

// ---------------------------------------------------------------------------------------------------------------
// Activations (elementwise, and softmax over the last axis)

/** Applies an activation to rows of `width` values (softmax is per row). */
export function activateRows(act: Act, z: Float64Array, width: number): Float64Array {
  if (act === 'softmax') {
    const y = new Float64Array(z.length);
    for (let r = 0; r < z.length; r += width) y.set(activate('softmax', Array.from(z.subarray(r, r + width))), r);
    return y;
  }
  return Float64Array.from(activate(act, Array.from(z)));
}

/** dz from dy through an activation, given its input z and output y. */
export function activationBackward(act: Act, z: Float64Array, y: Float64Array, dy: Float64Array, width: number) {
  const dz = new Float64Array(z.length);
  if (act === 'softmax') {
    for (let r = 0; r < z.length; r += width) {
      let dot = 0;
      for (let j = r; j < r + width; j++) dot += dy[j]! * y[j]!;
      for (let j = r; j < r + width; j++) dz[j] = y[j]! * (dy[j]! - dot);
    }
    return dz;
  }
  for (let i = 0; i < z.length; i++) {
    const v = z[i]!;
    let d: number;
    switch (act) {
      case 'linear':
        d = 1;
        break;
      case 'relu':
        d = v > 0 ? 1 : 0;
        break;
      case 'leakyRelu':
        d = v > 0 ? 1 : 0.01;
        break;
      case 'elu':
        d = v > 0 ? 1 : Math.exp(v);
        break;
      case 'gelu':
        d = 0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
        break;
      case 'sigmoid':
        d = y[i]! * (1 - y[i]!);
        break;
      case 'tanh':
        d = 1 - y[i]! * y[i]!;
        break;
      case 'softplus':
        d = 1 / (1 + Math.exp(-v));
        break;
    }
    dz[i] = dy[i]! * d;
  }
  return dz;
}

// ---------------------------------------------------------------------------------------------------------------
// A sequential model of reference layers

export interface RefRegularizer {
  l1: number;
  l2: number;
}

export type RefConvLayer =
  | {
      type: 'conv2d' | 'conv1d';
      /** [kh, kw, in, filters] (conv1d: [k, in, filters]), row-major. */
      kernel: Float64Array;
      bias: Float64Array | null;
      filters: number;
      /** [kh, kw] (conv1d: [k]); likewise strides and dilation. */
      kernelSize: number[];
      strides: number[];
      dilation: number[];
      padding: Padding;
      act: Act;
      kernelRegularizer?: RefRegularizer;
      biasRegularizer?: RefRegularizer;
    }
  | {
      type: 'maxPooling2d' | 'averagePooling2d' | 'maxPooling1d' | 'averagePooling1d';
      poolSize: number[];
      strides: number[];
      padding: Padding;
    }
  | {
      type: 'globalAveragePooling2d' | 'globalMaxPooling2d' | 'globalAveragePooling1d' | 'globalMaxPooling1d';
    }
  | { type: 'flatten' }
  | { type: 'reshape'; targetShape: number[] }
  | {
      type: 'dense';
      /** [inputs, units], row-major. */
      kernel: Float64Array;
      bias: Float64Array | null;
      units: number;
      act: Act;
      kernelRegularizer?: RefRegularizer;
      biasRegularizer?: RefRegularizer;
    }
  | { type: 'activation'; act: Act };

/** The 2-D window of a conv or pooling layer (1-D layers get a height of one). */
function layerWindow(l: RefConvLayer): Window2d {
  if (l.type === 'conv2d' || l.type === 'conv1d') {
    const two = l.type === 'conv2d';
    return {
      kh: two ? l.kernelSize[0]! : 1,
      kw: two ? l.kernelSize[1]! : l.kernelSize[0]!,
      sh: two ? l.strides[0]! : 1,
      sw: two ? l.strides[1]! : l.strides[0]!,
      dh: two ? l.dilation[0]! : 1,
      dw: two ? l.dilation[1]! : l.dilation[0]!,
      padding: l.padding,
    };
  }
  if ('poolSize' in l) {
    const two = l.type.endsWith('2d');
    return {
      kh: two ? l.poolSize[0]! : 1,
      kw: two ? l.poolSize[1]! : l.poolSize[0]!,
      sh: two ? l.strides[0]! : 1,
      sw: two ? l.strides[1]! : l.strides[0]!,
      dh: 1,
      dw: 1,
      padding: l.padding,
    };
  }
  throw new Error(`${l.type} has no window`);
}

/** [n, steps, c] as [n, 1, steps, c] for the 1-D layers. */
function as2d(x: RefTensor, oneD: boolean): RefTensor {
  if (!oneD) {
    if (x.shape.length !== 4) throw new Error(`expected [n, h, w, c], got [${x.shape.join(', ')}]`);
    return x;
  }
  if (x.shape.length !== 3) throw new Error(`expected [n, steps, c], got [${x.shape.join(', ')}]`);
  return { data: x.data, shape: [x.shape[0]!, 1, x.shape[1]!, x.shape[2]!] };
}

function from2d(y: RefTensor, oneD: boolean): RefTensor {
  return oneD ? { data: y.data, shape: [y.shape[0]!, y.shape[2]!, y.shape[3]!] } : y;
}

/** What forward keeps per layer for backward. */
interface Cache {
  input: RefTensor;
  z?: Float64Array;
  y: RefTensor;
  argmax?: Int32Array | null;
}

export interface RefForward {
  output: RefTensor;
  /** The last layer's pre-activation (its output when it has no activation). */
  logits: Float64Array;
  caches: Cache[];
}

function product(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** The forward pass of a batch through the layers (dropout has no reference: it is the identity in predict). */
export function refForward(layers: RefConvLayer[], x: RefTensor): RefForward {
  let cur = x;
  const caches: Cache[] = [];
  let logits = x.data;
  for (const l of layers) {
    const input = cur;
    let z: Float64Array | undefined;
    let argmax: Int32Array | null | undefined;
    switch (l.type) {
      case 'conv2d':
      case 'conv1d': {
        const oneD = l.type === 'conv1d';
        const zt = from2d(conv2dForward(as2d(cur, oneD), l.kernel, l.bias, l.filters, layerWindow(l)), oneD);
        z = zt.data;
        cur = { data: activateRows(l.act, z, l.filters), shape: zt.shape };
        break;
      }
      case 'maxPooling2d':
      case 'averagePooling2d':
      case 'maxPooling1d':
      case 'averagePooling1d': {
        const oneD = l.type.endsWith('1d');
        const r = pool2dForward(l.type.startsWith('max') ? 'max' : 'average', as2d(cur, oneD), layerWindow(l));
        cur = from2d(r.y, oneD);
        argmax = r.argmax;
        break;
      }
      case 'globalAveragePooling2d':
      case 'globalMaxPooling2d':
      case 'globalAveragePooling1d':
      case 'globalMaxPooling1d': {
        if (cur.shape.length !== (l.type.endsWith('2d') ? 4 : 3)) throw new Error(`${l.type}: wrong input rank`);
        const r = globalPoolForward(l.type.startsWith('globalMax') ? 'max' : 'average', cur);
        cur = r.y;
        argmax = r.argmax;
        break;
      }
      case 'flatten':
        cur = { data: cur.data, shape: [cur.shape[0]!, product(cur.shape.slice(1))] };
        break;
      case 'reshape':
        if (product(l.targetShape) !== product(cur.shape.slice(1))) throw new Error('reshape: size mismatch');
        cur = { data: cur.data, shape: [cur.shape[0]!, ...l.targetShape] };
        break;
      case 'dense': {
        const n = cur.shape[0]!;
        const inputs = cur.data.length / n;
        if (cur.shape.length !== 2) throw new Error('dense: input must be [n, features]');
        z = new Float64Array(n * l.units);
        for (let s = 0; s < n; s++)
          for (let j = 0; j < l.units; j++) {
            let acc = l.bias ? l.bias[j]! : 0;
            for (let i = 0; i < inputs; i++) acc += cur.data[s * inputs + i]! * l.kernel[i * l.units + j]!;
            z[s * l.units + j] = acc;
          }
        cur = { data: activateRows(l.act, z, l.units), shape: [n, l.units] };
        break;
      }
      case 'activation': {
        z = cur.data;
        cur = { data: activateRows(l.act, z, cur.shape[cur.shape.length - 1]!), shape: cur.shape };
        break;
      }
    }
    logits = z ?? cur.data;
    caches.push({ input, z, y: cur, argmax });
  }
  return { output: cur, logits, caches };
}

/**
 * Backward through the layers. `dOut` is the gradient of the last layer's output, or of its pre-activation
 * when `dOutIsLogits` (the fused softmax/sigmoid cross-entropy). Returns the input gradient and the weight
 * gradients in getWeights() order ([kernel, bias?] per layer with weights), regularization included.
 */
export function refBackward(
  layers: RefConvLayer[],
  fwd: RefForward,
  dOut: Float64Array,
  dOutIsLogits = false,
): { dx: Float64Array; grads: Float64Array[] } {
  let d = dOut;
  const grads: Float64Array[][] = [];
  for (let li = layers.length - 1; li >= 0; li--) {
    const l = layers[li]!;
    const c = fwd.caches[li]!;
    const skipAct = dOutIsLogits && li === layers.length - 1;
    switch (l.type) {
      case 'conv2d':
      case 'conv1d': {
        const oneD = l.type === 'conv1d';
        const dz = skipAct ? d : activationBackward(l.act, c.z!, c.y.data, d, l.filters);
        const r = conv2dBackward(as2d(c.input, oneD), l.kernel, l.filters, layerWindow(l), dz, l.bias !== null);
        addRegularization(r.dKernel, l.kernel, l.kernelRegularizer);
        if (r.dBias) addRegularization(r.dBias, l.bias!, l.biasRegularizer);
        grads.unshift(r.dBias ? [r.dKernel, r.dBias] : [r.dKernel]);
        d = r.dx;
        break;
      }
      case 'maxPooling2d':
      case 'averagePooling2d':
      case 'maxPooling1d':
      case 'averagePooling1d': {
        const oneD = l.type.endsWith('1d');
        const kind = l.type.startsWith('max') ? 'max' : 'average';
        d = pool2dBackward(kind, as2d(c.input, oneD), layerWindow(l), c.argmax ?? null, d);
        break;
      }
      case 'globalAveragePooling2d':
      case 'globalMaxPooling2d':
      case 'globalAveragePooling1d':
      case 'globalMaxPooling1d':
        d = globalPoolBackward(l.type.startsWith('globalMax') ? 'max' : 'average', c.input, c.argmax ?? null, d);
        break;
      case 'flatten':
      case 'reshape':
        break;
      case 'dense': {
        const dz = skipAct ? d : activationBackward(l.act, c.z!, c.y.data, d, l.units);
        const n = c.input.shape[0]!;
        const inputs = c.input.data.length / n;
        const dk = new Float64Array(l.kernel.length);
        const db = l.bias ? new Float64Array(l.units) : null;
        const dx = new Float64Array(c.input.data.length);
        for (let s = 0; s < n; s++)
          for (let j = 0; j < l.units; j++) {
            const g = dz[s * l.units + j]!;
            if (db) db[j] = db[j]! + g;
            for (let i = 0; i < inputs; i++) {
              dk[i * l.units + j] = dk[i * l.units + j]! + c.input.data[s * inputs + i]! * g;
              dx[s * inputs + i] = dx[s * inputs + i]! + l.kernel[i * l.units + j]! * g;
            }
          }
        addRegularization(dk, l.kernel, l.kernelRegularizer);
        if (db) addRegularization(db, l.bias!, l.biasRegularizer);
        grads.unshift(db ? [dk, db] : [dk]);
        d = dx;
        break;
      }
      case 'activation':
        d = skipAct ? d : activationBackward(l.act, c.z!, c.y.data, d, c.y.shape[c.y.shape.length - 1]!);
        break;
    }
  }
  return { dx: d, grads: grads.flat() };
}

function addRegularization(g: Float64Array, w: Float64Array, r: RefRegularizer | undefined) {
  if (!r) return;
  for (let i = 0; i < g.length; i++) g[i] = g[i]! + r.l1 * Math.sign(w[i]!) + 2 * r.l2 * w[i]!;
}

/** The weight tensors of the layers in getWeights() order (the arrays themselves, not copies). */
export function refWeights(layers: RefConvLayer[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const l of layers)
    if (l.type === 'conv2d' || l.type === 'conv1d' || l.type === 'dense') {
      out.push(l.kernel);
      if (l.bias) out.push(l.bias);
    }
  return out;
}

function regularizers(layers: RefConvLayer[]): (RefRegularizer | undefined)[] {
  const out: (RefRegularizer | undefined)[] = [];
  for (const l of layers)
    if (l.type === 'conv2d' || l.type === 'conv1d' || l.type === 'dense') {
      out.push(l.kernelRegularizer);
      if (l.bias) out.push(l.biasRegularizer);
    }
  return out;
}

/** The activation the model's output passes through last ('linear' for a pooling or reshape at the end). */
function lastActivation(layers: RefConvLayer[]): Act {
  const l = layers[layers.length - 1]!;
  return 'act' in l ? l.act : 'linear';
}

/**
 * The loss of a batch (mean over the samples, as API.md states, plus the regularization terms) and its
 * gradient. Targets are rows of the output width (class ids `[id]` for sparseCategoricalCrossentropy).
 */
export function refLoss(
  layers: RefConvLayer[],
  loss: LossName,
  x: RefTensor,
  targets: number[][],
): { loss: number; dx: Float64Array; grads: Float64Array[] } {
  const fwd = refForward(layers, x);
  const n = x.shape[0]!;
  const width = fwd.output.data.length / n;
  const act = lastActivation(layers);
  const dOut = new Float64Array(fwd.output.data.length);
  let fused = false;
  for (let s = 0; s < n; s++) {
    const y = Array.from(fwd.output.data.subarray(s * width, (s + 1) * width));
    const t = loss === 'sparseCategoricalCrossentropy' ? y.map((_, j) => (j === targets[s]![0] ? 1 : 0)) : targets[s]!;
    for (let j = 0; j < width; j++) {
      const o = s * width + j;
      switch (loss) {
        case 'meanSquaredError':
          dOut[o] = (2 * (y[j]! - t[j]!)) / (width * n);
          break;
        case 'categoricalCrossentropy':
        case 'sparseCategoricalCrossentropy':
          if (act !== 'softmax') throw new Error('the reference gradient of cross-entropy needs a softmax output');
          dOut[o] = (y[j]! - t[j]!) / n;
          fused = true;
          break;
        case 'binaryCrossentropy':
          if (act !== 'sigmoid') throw new Error('the reference gradient of binary cross-entropy needs a sigmoid');
          dOut[o] = (y[j]! - t[j]!) / (width * n);
          fused = true;
          break;
        default:
          throw new Error(`no reference gradient for ${loss}`);
      }
    }
  }
  const back = refBackward(layers, fwd, dOut, fused);
  return { loss: lossOfForward(layers, loss, fwd, targets), dx: back.dx, grads: back.grads };
}

/**
 * Central differences of refLoss's value at the given coordinates of weight tensor `which` (or of the input
 * when `which` is 'x').
 */
export function refFiniteDifference(
  layers: RefConvLayer[],
  loss: LossName,
  x: RefTensor,
  targets: number[][],
  which: number | 'x',
  coordinates: number[],
  h = 1e-6,
): number[] {
  const arr = which === 'x' ? x.data : refWeights(layers)[which]!;
  return coordinates.map((i) => {
    const keep = arr[i]!;
    arr[i] = keep + h;
    const up = refLossValue(layers, loss, x, targets);
    arr[i] = keep - h;
    const down = refLossValue(layers, loss, x, targets);
    arr[i] = keep;
    return (up - down) / (2 * h);
  });
}

function refLossValue(layers: RefConvLayer[], loss: LossName, x: RefTensor, targets: number[][]): number {
  return lossOfForward(layers, loss, refForward(layers, x), targets);
}

/** The batch's mean loss from a forward pass, plus the regularization terms. */
function lossOfForward(layers: RefConvLayer[], loss: LossName, fwd: RefForward, targets: number[][]): number {
  const n = fwd.output.shape[0]!;
  const width = fwd.output.data.length / n;
  const act = lastActivation(layers);
  let total = 0;
  for (let s = 0; s < n; s++) {
    const z = Array.from(fwd.logits.subarray(s * width, (s + 1) * width));
    const y = Array.from(fwd.output.data.subarray(s * width, (s + 1) * width));
    total += sampleLoss(loss, act, z, y, targets[s]!);
  }
  let value = total / n;
  const regs = regularizers(layers);
  refWeights(layers).forEach((w, i) => {
    const r = regs[i];
    if (r) for (const v of w) value += r.l1 * Math.abs(v) + r.l2 * v * v;
  });
  return value;
}

/** The sample shape each layer outputs, for an input sample shape (as the model's outputShape should be). */
export function refOutputShapes(layers: RefConvLayer[], input: number[]): number[][] {
  const fwd = refForward(layers, { data: new Float64Array(product(input)), shape: [1, ...input] });
  return fwd.caches.map((c) => c.y.shape.slice(1));
}
