/** Dense, dropout and activation layers. */
import { ACTIVATIONS, type ActivationName, activationId } from '../names.js';
import { type InitializerSpec, type NativeInit, resolveInitializer } from '../initializers.js';
import { Regularizer, checkRegularizer } from '../regularizers.js';
import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkString,
} from '../validate.js';
import { rangeError, typeError } from '../errors.js';
import { Layer, type LayerConfig, type Shape, registerLayer, shapeError } from './base.js';

/** @internal Native layer type ids (native/nn/network.h, LayerType). */
export const NATIVE_TYPE = {
  dense: 0,
  dropout: 1,
  activation: 2,
  conv: 3,
  maxPool: 4,
  averagePool: 5,
  globalAveragePool: 6,
  globalMaxPool: 7,
  reshape: 8,
  batchNorm: 9,
  layerNorm: 10,
} as const;

export const MAX_UNITS = 1 << 24;

/** @internal The native fields every layer with weights shares. */
export function weightedNative(c: LayerConfig): Record<string, unknown> {
  const init = (spec: InitializerSpec | undefined, fallback: string): NativeInit =>
    resolveInitializer(spec ?? fallback, 'initializer');
  return {
    useBias: c.useBias ?? true,
    activation: activationId(c.activation ?? 'linear'),
    kernelInit: init(c.kernelInitializer, 'glorotUniform'),
    biasInit: init(c.biasInitializer, 'zeros'),
    kernelL1: c.kernelRegularizer?.l1 ?? 0,
    kernelL2: c.kernelRegularizer?.l2 ?? 0,
    biasL1: c.biasRegularizer?.l1 ?? 0,
    biasL2: c.biasRegularizer?.l2 ?? 0,
  };
}

/** @internal Validates the options a layer with weights shares (activation, bias, initializers, regularizers). */
export function weightedOptions(o: Record<string, unknown>): Partial<LayerConfig> {
  const activation = o.activation === undefined ? 'linear' : checkChoice(o.activation, ACTIVATIONS, 'activation');
  const useBias = o.useBias === undefined ? true : checkBoolean(o.useBias, 'useBias');
  if (o.kernelInitializer !== undefined) resolveInitializer(o.kernelInitializer, 'kernelInitializer');
  if (o.biasInitializer !== undefined) resolveInitializer(o.biasInitializer, 'biasInitializer');
  const kr = checkRegularizer(o.kernelRegularizer, 'kernelRegularizer');
  const br = checkRegularizer(o.biasRegularizer, 'biasRegularizer');
  return {
    activation,
    useBias,
    kernelInitializer: o.kernelInitializer as InitializerSpec | undefined,
    biasInitializer: o.biasInitializer as InitializerSpec | undefined,
    kernelRegularizer: kr?.toJSON(),
    biasRegularizer: br?.toJSON(),
  };
}

/** @internal The JSON form's regularizers as Regularizer objects again (for the factories). */
export function regularizersFromJSON(c: LayerConfig): {
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
} {
  const r = (v: { l1: number; l2: number } | undefined) => (v ? new Regularizer(v.l1, v.l2) : undefined);
  return { kernelRegularizer: r(c.kernelRegularizer), biasRegularizer: r(c.biasRegularizer) };
}

/** @internal A copy of a config without some keys (to pass the rest back to a factory). */
export function omit(c: LayerConfig, keys: (keyof LayerConfig)[]): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...c };
  for (const k of keys) delete rest[k];
  return rest;
}

/** @internal A trainable option (undefined when absent: the layer is trainable). */
export function trainableOption(o: Record<string, unknown>): boolean | undefined {
  return o.trainable === undefined ? undefined : checkBoolean(o.trainable, 'trainable');
}

/** @internal A name option. */
export function nameOption(o: Record<string, unknown>): string | undefined {
  return o.name === undefined ? undefined : checkString(o.name, 'name');
}

/** @internal An `inputShape` option: positive integers, of one of the given ranks. */
export function inputShapeOption(v: unknown, ranks: number[], what: string): Shape | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !ranks.includes(v.length)) throw typeError(what, 'inputShape', v);
  return v.map((d, i) => checkInteger(d, `inputShape[${i}]`, { min: 1, max: MAX_UNITS }));
}

export interface DenseOptions {
  /** Number of outputs. */
  units: number;
  /** Number of inputs (only needed on the first layer; otherwise inferred from the data). */
  inputDim?: number;
  /** Same as `inputDim`, Keras style: `[features]`. */
  inputShape?: number[];
  /** Activation applied to `x · W + b` (default `'linear'`). */
  activation?: ActivationName;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Default `'glorotUniform'`. */
  kernelInitializer?: InitializerSpec;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** Keras's fine-tuning switch (default true): a frozen layer's weights do not move. */
  trainable?: boolean;
  name?: string;
}

/** A fully connected layer: `y = activation(x · W + b)` with `W` of shape `[inputs, units]`. */
export function dense(options: DenseOptions): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(
    o,
    [
      'units',
      'inputDim',
      'inputShape',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
      'biasRegularizer',
      'trainable',
      'name',
    ],
    'dense options',
  );
  const units = checkInteger(o.units, 'units', { min: 1, max: MAX_UNITS });
  let inputDim: number | undefined;
  if (o.inputDim !== undefined) inputDim = checkInteger(o.inputDim, 'inputDim', { min: 1, max: MAX_UNITS });
  if (o.inputShape !== undefined) {
    const s = o.inputShape;
    if (!Array.isArray(s)) throw typeError('a shape of one dimension, [features]', 'inputShape', s);
    if (s.length !== 1)
      throw rangeError(
        'a shape of one dimension, [features] (a dense layer takes flat samples: put nn.layers.flatten({ inputShape }) first)',
        'inputShape',
        s,
      );
    const d = checkInteger(s[0], 'inputShape[0]', { min: 1, max: MAX_UNITS });
    if (inputDim !== undefined && inputDim !== d) throw rangeError(`[${inputDim}] (as inputDim)`, 'inputShape', s);
    inputDim = d;
  }
  return new Layer({
    type: 'dense',
    name: nameOption(o),
    units,
    inputDim,
    trainable: trainableOption(o),
    ...weightedOptions(o),
  });
}

registerLayer({
  type: 'dense',
  outputShape(c, input, label) {
    if (input.length !== 1)
      throw shapeError(
        label,
        '[n, features]',
        input,
        'a dense layer takes flat samples: add nn.layers.flatten() before it',
      );
    return [c.units!];
  },
  weights(c, input) {
    const w = [{ name: 'kernel', shape: [input[0]!, c.units!] }];
    if (c.useBias !== false) w.push({ name: 'bias', shape: [c.units!] });
    return w;
  },
  native(c) {
    return { type: NATIVE_TYPE.dense, units: c.units!, ...weightedNative(c) };
  },
  fromJSON(c) {
    const rest = omit(c, ['type', 'kernelRegularizer', 'biasRegularizer', 'inputShape']);
    return dense({ ...(rest as unknown as DenseOptions), ...regularizersFromJSON(c) });
  },
  detail(c) {
    return c.activation && c.activation !== 'linear' ? c.activation : '';
  },
});

/** Inverted dropout: during training each value is zeroed with probability `rate` and the rest scaled by `1 / (1 - rate)`; the identity otherwise. */
export function dropout(options: { rate: number; trainable?: boolean; name?: string }): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['rate', 'trainable', 'name'], 'dropout options');
  const rate = checkNumber(o.rate, 'rate', { min: 0, max: 1, maxExclusive: true });
  return new Layer({ type: 'dropout', rate, name: nameOption(o), trainable: trainableOption(o) });
}

registerLayer({
  type: 'dropout',
  outputShape: (_c, input) => [...input],
  weights: () => [],
  native: (c) => ({ type: NATIVE_TYPE.dropout, rate: c.rate ?? 0 }),
  fromJSON: (c) => dropout({ rate: c.rate!, name: c.name }),
});

/** An activation applied on its own (softmax over the whole sample). */
export function activation(options: { activation: ActivationName; trainable?: boolean; name?: string }): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['activation', 'trainable', 'name'], 'activation options');
  const a = checkChoice(o.activation, ACTIVATIONS, 'activation');
  return new Layer({ type: 'activation', activation: a, name: nameOption(o), trainable: trainableOption(o) });
}

registerLayer({
  type: 'activation',
  outputShape: (_c, input) => [...input],
  weights: () => [],
  native: (c) => ({ type: NATIVE_TYPE.activation, activation: activationId(c.activation ?? 'linear') }),
  fromJSON: (c) => activation({ activation: c.activation!, name: c.name }),
  detail: (c) => c.activation ?? '',
});
