/** Pooling layers: max and average over windows (2-D and 1-D), and global pooling over every position. */
import { checkKnownKeys, checkOptions } from '../validate.js';
import { Layer, type LayerConfig, type LayerType, registerLayer, shapeError } from './base.js';
import { NATIVE_TYPE, inputShapeOption, nameOption, omit, trainableOption } from './core.js';
import { applyWindow, paddingOption, sizeOption } from './window.js';

export interface PoolingOptions {
  /** Window size: a number or `[ph, pw]` (1-D: a number or `[p]`). Default 2. */
  poolSize?: number | number[];
  /** Default: the pool size. */
  strides?: number | number[];
  /** `'valid'` (default) or `'same'`; padded cells are ignored (max) or not counted (average). */
  padding?: 'valid' | 'same';
  inputShape?: number[];
  trainable?: boolean;
  name?: string;
}

type WindowPool = 'maxPooling2d' | 'averagePooling2d' | 'maxPooling1d' | 'averagePooling1d';

function pooling(type: WindowPool, options: PoolingOptions): Layer {
  const axes = type.endsWith('2d') ? 2 : 1;
  const o = checkOptions(options ?? {}, 'options');
  checkKnownKeys(o, ['poolSize', 'strides', 'padding', 'inputShape', 'trainable', 'name'], `${type} options`);
  const poolSize = o.poolSize === undefined ? Array(axes).fill(2) : sizeOption(o.poolSize, 'poolSize', axes);
  const strides = o.strides === undefined || o.strides === null ? poolSize : sizeOption(o.strides, 'strides', axes);
  const inputShape = inputShapeOption(
    o.inputShape,
    [axes + 1],
    axes === 2 ? 'a sample shape [h, w, c]' : 'a sample shape [steps, c]',
  );
  return new Layer({
    type,
    name: nameOption(o),
    poolSize,
    strides,
    padding: paddingOption(o.padding),
    inputShape,
    trainable: trainableOption(o),
  });
}

export function maxPooling2d(options: PoolingOptions = {}): Layer {
  return pooling('maxPooling2d', options);
}
export function averagePooling2d(options: PoolingOptions = {}): Layer {
  return pooling('averagePooling2d', options);
}
export function maxPooling1d(options: PoolingOptions = {}): Layer {
  return pooling('maxPooling1d', options);
}
export function averagePooling1d(options: PoolingOptions = {}): Layer {
  return pooling('averagePooling1d', options);
}

function window(c: LayerConfig) {
  return {
    kernel: c.poolSize!,
    strides: c.strides!,
    dilation: c.poolSize!.map(() => 1),
    padding: c.padding ?? 'valid',
  };
}

for (const type of ['maxPooling2d', 'averagePooling2d', 'maxPooling1d', 'averagePooling1d'] as const) {
  const nativeType = type.startsWith('max') ? NATIVE_TYPE.maxPool : NATIVE_TYPE.averagePool;
  registerLayer({
    type,
    outputShape(c, input, label) {
      return [...applyWindow(window(c), input, label, 'pool').spatial, input[input.length - 1]!];
    },
    weights: () => [],
    native(c, input) {
      return { type: nativeType, window: applyWindow(window(c), input, c.name ?? type, 'pool').native };
    },
    fromJSON(c) {
      return pooling(type, omit(c, ['type']) as PoolingOptions);
    },
    detail(c) {
      const s = c.strides!.join('x') === c.poolSize!.join('x') ? '' : `, stride ${c.strides!.join('x')}`;
      return `${c.poolSize!.join('x')}${s}${c.padding === 'same' ? ', same' : ''}`;
    },
  });
}

type GlobalPool = 'globalAveragePooling2d' | 'globalMaxPooling2d' | 'globalAveragePooling1d' | 'globalMaxPooling1d';

function globalPooling(type: GlobalPool, options: { inputShape?: number[]; name?: string }): Layer {
  const axes = type.endsWith('2d') ? 2 : 1;
  const o = checkOptions(options ?? {}, 'options');
  checkKnownKeys(o, ['inputShape', 'trainable', 'name'], `${type} options`);
  const inputShape = inputShapeOption(
    o.inputShape,
    [axes + 1],
    axes === 2 ? 'a sample shape [h, w, c]' : 'a sample shape [steps, c]',
  );
  return new Layer({ type, name: nameOption(o), inputShape, trainable: trainableOption(o) });
}

/** The mean over every position of each channel: `[h, w, c]` → `[c]`. */
export function globalAveragePooling2d(options: { inputShape?: number[]; name?: string } = {}): Layer {
  return globalPooling('globalAveragePooling2d', options);
}
/** The maximum over every position of each channel: `[h, w, c]` → `[c]`. */
export function globalMaxPooling2d(options: { inputShape?: number[]; name?: string } = {}): Layer {
  return globalPooling('globalMaxPooling2d', options);
}
/** The mean over the steps of each channel: `[steps, c]` → `[c]`. */
export function globalAveragePooling1d(options: { inputShape?: number[]; name?: string } = {}): Layer {
  return globalPooling('globalAveragePooling1d', options);
}
/** The maximum over the steps of each channel: `[steps, c]` → `[c]`. */
export function globalMaxPooling1d(options: { inputShape?: number[]; name?: string } = {}): Layer {
  return globalPooling('globalMaxPooling1d', options);
}

for (const type of [
  'globalAveragePooling2d',
  'globalMaxPooling2d',
  'globalAveragePooling1d',
  'globalMaxPooling1d',
] as const satisfies LayerType[]) {
  const two = type.endsWith('2d');
  const nativeType = type.includes('Max') ? NATIVE_TYPE.globalMaxPool : NATIVE_TYPE.globalAveragePool;
  registerLayer({
    type,
    outputShape(_c, input, label) {
      if (input.length !== (two ? 3 : 2)) throw shapeError(label, two ? '[n, h, w, c]' : '[n, steps, c]', input);
      return [input[input.length - 1]!];
    },
    weights: () => [],
    native(_c, input) {
      const window = two ? { inH: input[0], inW: input[1], inC: input[2] } : { inH: 1, inW: input[0], inC: input[1] };
      return { type: nativeType, window };
    },
    fromJSON: (c) => globalPooling(type, { inputShape: c.inputShape, name: c.name }),
  });
}
