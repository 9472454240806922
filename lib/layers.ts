/** Layer factories: `nn.layers.dense`, `nn.layers.dropout`, `nn.layers.activation`. */
import { ACTIVATIONS, type ActivationName, activationId } from './names.js';
import { type InitializerSpec, type NativeInit, resolveInitializer } from './initializers.js';
import { Regularizer, checkRegularizer } from './regularizers.js';
import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkString,
} from './validate.js';
import { rangeError, typeError } from './errors.js';

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
  name?: string;
}

export interface LayerConfig {
  type: 'dense' | 'dropout' | 'activation';
  name?: string;
  units?: number;
  inputDim?: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: { l1: number; l2: number };
  biasRegularizer?: { l1: number; l2: number };
  rate?: number;
}

/** A layer description; the model builds the native layers from it. */
export class Layer {
  /** @internal */
  constructor(readonly config: Readonly<LayerConfig>) {}
  get type(): LayerConfig['type'] {
    return this.config.type;
  }
  /** @internal The native spec for this layer. */
  toNative(): Record<string, unknown> {
    const c = this.config;
    const typeId = { dense: 0, dropout: 1, activation: 2 }[c.type];
    const init = (spec: InitializerSpec | undefined, fallback: string): NativeInit =>
      resolveInitializer(spec ?? fallback, 'initializer');
    return {
      type: typeId,
      units: c.units ?? 0,
      useBias: c.useBias ?? true,
      activation: activationId(c.activation ?? 'linear'),
      rate: c.rate ?? 0,
      kernelInit: init(c.kernelInitializer, 'glorotUniform'),
      biasInit: init(c.biasInitializer, 'zeros'),
      kernelL1: c.kernelRegularizer?.l1 ?? 0,
      kernelL2: c.kernelRegularizer?.l2 ?? 0,
      biasL1: c.biasRegularizer?.l1 ?? 0,
      biasL2: c.biasRegularizer?.l2 ?? 0,
    };
  }
  toJSON(): LayerConfig {
    return { ...this.config };
  }
}

const MAX_UNITS = 1 << 24;

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
    if (s.length !== 1) throw rangeError('a shape of one dimension, [features]', 'inputShape', s);
    const d = checkInteger(s[0], 'inputShape[0]', { min: 1, max: MAX_UNITS });
    if (inputDim !== undefined && inputDim !== d) throw rangeError(`[${inputDim}] (as inputDim)`, 'inputShape', s);
    inputDim = d;
  }
  const activation = o.activation === undefined ? 'linear' : checkChoice(o.activation, ACTIVATIONS, 'activation');
  const useBias = o.useBias === undefined ? true : checkBoolean(o.useBias, 'useBias');
  if (o.kernelInitializer !== undefined) resolveInitializer(o.kernelInitializer, 'kernelInitializer');
  if (o.biasInitializer !== undefined) resolveInitializer(o.biasInitializer, 'biasInitializer');
  const kr = checkRegularizer(o.kernelRegularizer, 'kernelRegularizer');
  const br = checkRegularizer(o.biasRegularizer, 'biasRegularizer');
  return new Layer({
    type: 'dense',
    name: o.name === undefined ? undefined : checkString(o.name, 'name'),
    units,
    inputDim,
    activation,
    useBias,
    kernelInitializer: o.kernelInitializer as InitializerSpec | undefined,
    biasInitializer: o.biasInitializer as InitializerSpec | undefined,
    kernelRegularizer: kr?.toJSON(),
    biasRegularizer: br?.toJSON(),
  });
}

/** Inverted dropout: during training each value is zeroed with probability `rate` and the rest scaled by `1 / (1 - rate)`; the identity otherwise. */
export function dropout(options: { rate: number; name?: string }): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['rate', 'name'], 'dropout options');
  const rate = checkNumber(o.rate, 'rate', { min: 0, max: 1, maxExclusive: true });
  return new Layer({ type: 'dropout', rate, name: o.name === undefined ? undefined : checkString(o.name, 'name') });
}

/** An activation applied on its own. */
export function activation(options: { activation: ActivationName; name?: string }): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['activation', 'name'], 'activation options');
  const a = checkChoice(o.activation, ACTIVATIONS, 'activation');
  return new Layer({
    type: 'activation',
    activation: a,
    name: o.name === undefined ? undefined : checkString(o.name, 'name'),
  });
}

/** Rebuilds a layer from its JSON description (validated again). @internal */
export function layerFromJSON(c: LayerConfig): Layer {
  if (c?.type === 'dense') {
    const { type: _t, kernelRegularizer, biasRegularizer, ...rest } = c;
    void _t;
    return dense({
      ...(rest as DenseOptions),
      kernelRegularizer: kernelRegularizer ? new Regularizer(kernelRegularizer.l1, kernelRegularizer.l2) : undefined,
      biasRegularizer: biasRegularizer ? new Regularizer(biasRegularizer.l1, biasRegularizer.l2) : undefined,
    } as DenseOptions);
  }
  if (c?.type === 'dropout') return dropout({ rate: c.rate!, name: c.name });
  if (c?.type === 'activation') return activation({ activation: c.activation!, name: c.name });
  throw rangeError('a layer type "dense", "dropout" or "activation"', 'layer.type', (c as { type?: unknown })?.type);
}
