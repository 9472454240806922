/** Convolution layers over channels-last samples: conv2d (`[h, w, c]`) and conv1d (`[steps, c]`). */
import type { ActivationName } from '../names.js';
import type { InitializerSpec } from '../initializers.js';
import type { Regularizer } from '../regularizers.js';
import { rangeError } from '../errors.js';
import { checkInteger, checkKnownKeys, checkOptions } from '../validate.js';
import { Layer, type LayerConfig, registerLayer } from './base.js';
import {
  MAX_UNITS,
  NATIVE_TYPE,
  inputShapeOption,
  nameOption,
  omit,
  regularizersFromJSON,
  trainableOption,
  weightedNative,
  weightedOptions,
} from './core.js';
import { applyWindow, paddingOption, sizeOption } from './window.js';

export interface ConvOptions {
  /** Number of output channels. */
  filters: number;
  /** Window size: a number or `[kh, kw]` (conv1d: a number or `[k]`). */
  kernelSize: number | number[];
  /** Default 1. */
  strides?: number | number[];
  /** `'valid'` (default: no padding) or `'same'` (TensorFlow's rule: output `ceil(in / stride)`). */
  padding?: 'valid' | 'same';
  /** Default 1; a dilation above 1 cannot be combined with a stride above 1. */
  dilationRate?: number | number[];
  /** Applied in the product's epilogue (default `'linear'`; softmax is over the filters of each position). */
  activation?: ActivationName;
  useBias?: boolean;
  /** Default `'glorotUniform'` (fans: kh·kw·in and kh·kw·filters, as Keras). */
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** The sample shape, first layer only: `[h, w, c]` (conv1d: `[steps, c]`). */
  inputShape?: number[];
  /** Keras's fine-tuning switch (default true). */
  trainable?: boolean;
  name?: string;
}

const KEYS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
  'inputShape',
  'trainable',
  'name',
];

function conv(type: 'conv2d' | 'conv1d', options: ConvOptions): Layer {
  const axes = type === 'conv2d' ? 2 : 1;
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, KEYS, `${type} options`);
  const filters = checkInteger(o.filters, 'filters', { min: 1, max: MAX_UNITS });
  if (o.kernelSize === undefined)
    throw rangeError('a kernel size (a positive integer or an array)', 'kernelSize', o.kernelSize);
  const kernelSize = sizeOption(o.kernelSize, 'kernelSize', axes);
  const strides = o.strides === undefined ? Array(axes).fill(1) : sizeOption(o.strides, 'strides', axes);
  const dilationRate =
    o.dilationRate === undefined ? Array(axes).fill(1) : sizeOption(o.dilationRate, 'dilationRate', axes);
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1))
    throw rangeError(
      'strides of 1 when dilationRate is above 1 (a stride and a dilation above 1 cannot be combined)',
      'strides',
      o.strides,
    );
  const inputShape = inputShapeOption(
    o.inputShape,
    [axes + 1],
    axes === 2 ? 'a sample shape [h, w, c]' : 'a sample shape [steps, c]',
  );
  return new Layer({
    type,
    name: nameOption(o),
    filters,
    kernelSize,
    strides,
    padding: paddingOption(o.padding),
    dilationRate,
    inputShape,
    trainable: trainableOption(o),
    ...weightedOptions(o),
  });
}

/** A 2-D convolution: `y[n, i, j, f] = b[f] + Σ x[n, i·sh + a·dh − pt, j·sw + b·dw − pl, c] · K[a, b, c, f]`. */
export function conv2d(options: ConvOptions): Layer {
  return conv('conv2d', options);
}

/** A 1-D convolution over `[steps, channels]` samples; kernel `[k, inChannels, filters]`. */
export function conv1d(options: ConvOptions): Layer {
  return conv('conv1d', options);
}

function window(c: LayerConfig) {
  return { kernel: c.kernelSize!, strides: c.strides!, dilation: c.dilationRate!, padding: c.padding ?? 'valid' };
}

for (const type of ['conv2d', 'conv1d'] as const) {
  registerLayer({
    type,
    outputShape(c, input, label) {
      return [...applyWindow(window(c), input, label, 'kernel').spatial, c.filters!];
    },
    weights(c, input) {
      const inC = input[input.length - 1]!;
      const w = [{ name: 'kernel', shape: [...c.kernelSize!, inC, c.filters!] }];
      if (c.useBias !== false) w.push({ name: 'bias', shape: [c.filters!] });
      return w;
    },
    native(c, input) {
      const { native } = applyWindow(window(c), input, c.name ?? type, 'kernel');
      return { type: NATIVE_TYPE.conv, units: c.filters!, window: native, ...weightedNative(c) };
    },
    fromJSON(c) {
      const rest = omit(c, ['type', 'kernelRegularizer', 'biasRegularizer']);
      return conv(type, { ...(rest as unknown as ConvOptions), ...regularizersFromJSON(c) });
    },
    detail(c) {
      const parts = [`${c.kernelSize!.join('x')}`];
      if (c.strides!.some((s) => s > 1)) parts.push(`stride ${c.strides!.join('x')}`);
      if (c.dilationRate!.some((d) => d > 1)) parts.push(`dilation ${c.dilationRate!.join('x')}`);
      if (c.padding === 'same') parts.push('same');
      if (c.activation && c.activation !== 'linear') parts.push(c.activation);
      return parts.join(', ');
    },
  });
}
