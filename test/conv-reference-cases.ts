// The layer cases the conv reference is checked on (against PyTorch and its own finite differences) and
// that simdnn's conv layers are checked on against the reference.
import type { LayerSpec } from './conv-cases.js';
import { rng } from './helpers.js';
import type { LossName } from './reference.js';

export interface LayerCase {
  name: string;
  /** The sample shape. */
  input: number[];
  layer: LayerSpec;
}

const conv2d = (
  input: number[],
  filters: number,
  kernelSize: number[],
  more: Partial<Extract<LayerSpec, { type: 'conv2d' | 'conv1d' }>> = {},
): LayerCase => ({
  name: `conv2d ${input.join('x')} -> ${filters}@${kernelSize.join('x')} s${(more.strides ?? [1]).join('x')} d${(more.dilation ?? [1]).join('x')} ${more.padding ?? 'valid'}${more.act ? ` ${more.act}` : ''}${more.useBias === false ? ' no bias' : ''}`,
  input,
  layer: { type: 'conv2d', filters, kernelSize, ...more },
});

const conv1d = (
  input: number[],
  filters: number,
  k: number,
  more: Partial<Extract<LayerSpec, { type: 'conv2d' | 'conv1d' }>> = {},
): LayerCase => ({
  name: `conv1d ${input.join('x')} -> ${filters}@${k} s${(more.strides ?? [1])[0]} d${(more.dilation ?? [1])[0]} ${more.padding ?? 'valid'}${more.act ? ` ${more.act}` : ''}`,
  input,
  layer: { type: 'conv1d', filters, kernelSize: [k], ...more },
});

type PoolType = 'maxPooling2d' | 'averagePooling2d' | 'maxPooling1d' | 'averagePooling1d';
const pool = (
  type: PoolType,
  input: number[],
  poolSize: number[],
  strides?: number[],
  padding?: 'valid' | 'same',
): LayerCase => ({
  name: `${type} ${input.join('x')} pool ${poolSize.join('x')} s${(strides ?? poolSize).join('x')} ${padding ?? 'valid'}`,
  input,
  layer: { type, poolSize, ...(strides ? { strides } : {}), ...(padding ? { padding } : {}) },
});

/** Convolutions: strides 1-3, dilation 1-2, both paddings, odd/prime/even sizes, 1x1, kernel = input, 1/3/17 channels. */
export const CONV_CASES: LayerCase[] = [
  conv2d([5, 5, 1], 2, [3, 3]),
  conv2d([5, 5, 1], 2, [3, 3], { padding: 'same' }),
  conv2d([6, 6, 3], 4, [2, 2], { padding: 'same' }), // even kernel: the odd padding cell goes after
  conv2d([7, 5, 3], 3, [4, 2], { padding: 'same', strides: [2, 3] }),
  conv2d([7, 7, 3], 2, [3, 3], { strides: [2, 2] }),
  conv2d([7, 7, 3], 2, [3, 3], { strides: [3, 3], padding: 'same' }),
  conv2d([8, 8, 2], 3, [3, 3], { strides: [3, 3] }),
  conv2d([7, 7, 3], 2, [3, 3], { dilation: [2, 2] }),
  conv2d([6, 7, 2], 3, [2, 3], { dilation: [2, 2], padding: 'same' }),
  conv2d([5, 6, 2], 2, [3, 2], { dilation: [1, 2], padding: 'same' }),
  conv2d([5, 5, 3], 4, [1, 1]),
  conv2d([5, 5, 3], 4, [1, 1], { strides: [2, 2] }),
  conv2d([5, 5, 3], 4, [1, 1], { padding: 'same', strides: [3, 3] }),
  conv2d([5, 4, 17], 17, [1, 1]),
  conv2d([5, 4, 17], 6, [1, 1], { strides: [2, 1] }),
  conv2d([7, 8, 2], 3, [2, 2], { padding: 'same', strides: [3, 3] }), // a stride larger than the kernel
  conv2d([5, 5, 2], 3, [5, 5]), // the kernel covers the whole input: a 1x1 output
  conv2d([5, 5, 2], 3, [5, 5], { padding: 'same' }),
  conv2d([3, 3, 17], 5, [3, 3]),
  conv2d([4, 4, 17], 17, [3, 3], { padding: 'same' }),
  conv2d([4, 4, 3], 17, [2, 2], { strides: [2, 2] }),
  conv2d([11, 13, 1], 3, [5, 3], { strides: [2, 3] }),
  conv2d([5, 5, 3], 3, [3, 3], { act: 'relu' }),
  conv2d([5, 5, 3], 3, [3, 3], { act: 'tanh', useBias: false, padding: 'same' }),
  conv2d([4, 4, 2], 4, [3, 3], { act: 'softmax', padding: 'same' }),
  ...(['linear', 'relu', 'leakyRelu', 'elu', 'gelu', 'sigmoid', 'tanh', 'softmax', 'softplus'] as const).map((act) =>
    conv2d([4, 5, 3], 3, [2, 3], { act, padding: 'same' }),
  ),
  conv2d([1, 7, 3], 2, [1, 3]),
  conv2d([2, 2, 3], 2, [3, 3], { padding: 'same', strides: [2, 2] }), // padding larger than the data
];

export const CONV1D_CASES: LayerCase[] = [
  conv1d([9, 1], 2, 3),
  conv1d([9, 3], 3, 4, { padding: 'same' }),
  conv1d([10, 3], 2, 3, { strides: [2] }),
  conv1d([11, 2], 3, 3, { strides: [3], padding: 'same' }),
  conv1d([13, 3], 2, 3, { dilation: [2] }),
  conv1d([8, 2], 2, 2, { dilation: [2], padding: 'same' }),
  conv1d([7, 17], 4, 1),
  conv1d([7, 3], 17, 7), // the kernel covers the whole input
  conv1d([5, 17], 3, 3, { padding: 'same', act: 'relu' }),
  conv1d([6, 3], 4, 2, { padding: 'same', act: 'gelu' }),
  conv1d([6, 3], 4, 3, { act: 'softmax' }),
];

export const POOL_CASES: LayerCase[] = [
  pool('maxPooling2d', [6, 6, 3], [2, 2]),
  pool('maxPooling2d', [7, 7, 2], [2, 2]), // the last row and column dropped
  pool('maxPooling2d', [7, 7, 2], [2, 2], undefined, 'same'), // padded cells ignored
  pool('maxPooling2d', [7, 5, 3], [3, 3], [2, 2], 'same'),
  pool('maxPooling2d', [6, 7, 1], [3, 2], [1, 3]),
  pool('maxPooling2d', [5, 5, 17], [3, 3], [3, 3], 'same'),
  pool('maxPooling2d', [5, 5, 2], [5, 5]),
  pool('averagePooling2d', [6, 6, 3], [2, 2]),
  pool('averagePooling2d', [7, 7, 2], [2, 2], undefined, 'same'), // divides by the real cells
  pool('averagePooling2d', [7, 5, 3], [3, 3], [2, 2], 'same'),
  pool('averagePooling2d', [5, 6, 1], [2, 3], [1, 1], 'same'),
  pool('averagePooling2d', [5, 5, 17], [3, 3], [3, 3]),
  pool('maxPooling2d', [2, 2, 3], [3, 3], [3, 3], 'same'), // the window is larger than the input
  pool('averagePooling2d', [2, 2, 3], [3, 3], [3, 3], 'same'),
  pool('maxPooling2d', [8, 7, 2], [2, 2], [3, 3]), // strides larger than the window skip cells
  pool('averagePooling2d', [8, 7, 2], [2, 2], [3, 3], 'same'),
  pool('maxPooling1d', [9, 3], [2]),
  pool('averagePooling1d', [2, 3], [3], [2], 'same'),
  pool('maxPooling1d', [10, 2], [2], [3]),
  pool('maxPooling1d', [9, 3], [3], [2], 'same'),
  pool('maxPooling1d', [10, 17], [4], [3], 'same'),
  pool('averagePooling1d', [9, 3], [2]),
  pool('averagePooling1d', [9, 3], [3], [2], 'same'),
  pool('averagePooling1d', [11, 2], [4], [1], 'same'),
];

export const GLOBAL_CASES: LayerCase[] = [
  { name: 'globalAveragePooling2d 5x4x3', input: [5, 4, 3], layer: { type: 'globalAveragePooling2d' } },
  { name: 'globalMaxPooling2d 5x4x3', input: [5, 4, 3], layer: { type: 'globalMaxPooling2d' } },
  { name: 'globalAveragePooling1d 7x17', input: [7, 17], layer: { type: 'globalAveragePooling1d' } },
  { name: 'globalMaxPooling1d 7x3', input: [7, 3], layer: { type: 'globalMaxPooling1d' } },
];

export const SINGLE_LAYER_CASES: LayerCase[] = [...CONV_CASES, ...CONV1D_CASES, ...POOL_CASES, ...GLOBAL_CASES];

export interface ModelCase {
  name: string;
  input: number[];
  layers: LayerSpec[];
  loss: 'meanSquaredError' | 'sparseCategoricalCrossentropy';
}

/** Whole stacks, the dense layer after a flatten included. */
export const MODEL_CASES: ModelCase[] = [
  {
    name: 'conv2d relu, maxPooling2d, flatten, dense softmax',
    input: [6, 6, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 3], act: 'relu', padding: 'same' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 4, act: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
  },
  {
    // The ReLU's derivative is applied by the max pooling after it: tiled
    // windows with a dropped last row and column, then overlapping windows.
    name: 'conv2d relu, maxPooling2d with a remainder, conv2d relu, overlapping maxPooling2d, dense',
    input: [9, 9, 2],
    layers: [
      { type: 'conv2d', filters: 5, kernelSize: [3, 3], act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2] },
      { type: 'conv2d', filters: 17, kernelSize: [1, 1], act: 'relu' },
      { type: 'maxPooling2d', poolSize: [2, 2], strides: [1, 1] },
      { type: 'flatten' },
      { type: 'dense', units: 3 },
    ],
    loss: 'meanSquaredError',
  },
  {
    name: 'conv1d relu, maxPooling1d same, dense',
    input: [11, 3],
    layers: [
      { type: 'conv1d', filters: 4, kernelSize: [2], act: 'relu' },
      { type: 'maxPooling1d', poolSize: [3], padding: 'same' },
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ],
    loss: 'meanSquaredError',
  },
  {
    name: 'conv1d tanh, averagePooling1d, globalAveragePooling1d, dense',
    input: [12, 3],
    layers: [
      { type: 'conv1d', filters: 4, kernelSize: [3], act: 'tanh' },
      { type: 'averagePooling1d', poolSize: [2], padding: 'same' },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 2 },
    ],
    loss: 'meanSquaredError',
  },
  {
    name: 'strided same conv2d, dilated conv2d, globalMaxPooling2d, dense',
    input: [9, 8, 3],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: [4, 4], strides: [2, 2], padding: 'same', act: 'elu' },
      { type: 'conv2d', filters: 3, kernelSize: [2, 2], dilation: [2, 2], padding: 'same', act: 'relu' },
      { type: 'globalMaxPooling2d' },
      { type: 'dense', units: 3 },
    ],
    loss: 'meanSquaredError',
  },
  {
    name: 'conv2d, flatten, reshape to steps, conv1d, flatten, dense',
    input: [4, 5, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [2, 2], act: 'sigmoid' },
      { type: 'reshape', targetShape: [12, 3] },
      { type: 'conv1d', filters: 2, kernelSize: [3], strides: [2], act: 'gelu' },
      { type: 'flatten' },
      { type: 'dense', units: 2, act: 'softplus' },
    ],
    loss: 'meanSquaredError',
  },
  {
    name: 'dense, reshape to an image, conv2d, averagePooling2d, flatten, dense',
    input: [6],
    layers: [
      { type: 'dense', units: 16, act: 'leakyRelu' },
      { type: 'reshape', targetShape: [4, 4, 1] },
      { type: 'conv2d', filters: 2, kernelSize: [3, 3], padding: 'same', useBias: false },
      { type: 'averagePooling2d', poolSize: [3, 3], strides: [2, 2], padding: 'same' },
      { type: 'flatten' },
      { type: 'dense', units: 3, act: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
  },
];

/** A stack of layers with a loss and a batch size, as the native tests run it. */
export interface Stack {
  name: string;
  input: number[];
  layers: LayerSpec[];
  loss: LossName;
  batch: number;
}

/** The stacks a single-layer case is checked in. */
export function stacksOf(c: LayerCase): Stack[] {
  const channels = c.input[c.input.length - 1]!;
  const oneD = c.input.length === 2;
  const global = c.layer.type.startsWith('global');
  const head: LayerSpec[] = global ? [{ type: 'dense', units: 2 }] : [{ type: 'flatten' }, { type: 'dense', units: 2 }];
  const pre: LayerSpec = { type: oneD ? 'conv1d' : 'conv2d', filters: channels, kernelSize: oneD ? [1] : [1, 1] };
  const stacks: Stack[] = [
    {
      name: `${c.name}, after a 1x1 conv`,
      input: c.input,
      layers: [pre, c.layer, ...head],
      loss: 'meanSquaredError',
      batch: 3,
    },
  ];
  if (c.layer.type === 'conv2d' || c.layer.type === 'conv1d')
    stacks.push({
      name: `${c.name}, first layer`,
      input: c.input,
      layers: [c.layer, ...head],
      loss: 'meanSquaredError',
      batch: 2,
    });
  return stacks;
}

/**
 * Random geometries (a fixed seed): sizes 1-9, kernels up to the input, strides 1-3 or dilations 1-2 per
 * axis, either padding, 1-5 channels in and out, for conv2d, conv1d and both poolings.
 */
export function randomStacks(count: number, seed: number): Stack[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(((r() + 1) / 2) * (hi - lo + 1));
  const stacks: Stack[] = [];
  while (stacks.length < count) {
    const two = r() > -0.3;
    const axes = two ? 2 : 1;
    const dims = Array.from({ length: axes }, () => int(1, 9));
    const channels = int(1, 5);
    const padding = r() > 0 ? 'same' : 'valid';
    const dilated = r() > 0.3;
    const strides = dims.map(() => (dilated ? 1 : int(1, 3)));
    const dilation = dims.map(() => (dilated ? int(1, 2) : 1));
    const kernel = dims.map((d, i) =>
      int(1, Math.max(1, Math.min(5, padding === 'valid' ? Math.floor((d - 1) / dilation[i]!) + 1 : 5))),
    );
    const pool = r() > 0.4;
    const input = [...dims, channels];
    const layer: LayerSpec = pool
      ? {
          type: `${r() > 0 ? 'max' : 'average'}Pooling${axes}d` as 'maxPooling2d',
          poolSize: kernel.map((k, i) => Math.min(k, dims[i]!)),
          strides,
          padding,
        }
      : {
          type: two ? 'conv2d' : 'conv1d',
          filters: int(1, 5),
          kernelSize: kernel,
          strides,
          dilation,
          padding,
          act: r() > 0 ? 'linear' : 'tanh',
        };
    const pre: LayerSpec = { type: two ? 'conv2d' : 'conv1d', filters: channels, kernelSize: two ? [1, 1] : [1] };
    stacks.push({
      name: `random ${JSON.stringify({ input, ...layer })}`,
      input,
      layers: [pre, layer, { type: 'flatten' }, { type: 'dense', units: 2 }],
      loss: 'meanSquaredError',
      batch: int(1, 3),
    });
  }
  return stacks;
}
