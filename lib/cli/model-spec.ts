/**
 * The model `simdnn train` builds from its flags. `buildModel(fold, spec)` is also the factory that
 * `crossValidate({ parallel })` imports in its worker threads.
 */
import * as layers from '../layers-public.js';
import type { ActivationName } from '../names.js';
import type { Layer } from '../layers.js';
import { describeItem, type LayerItem } from './layer-spec.js';
import { Sequential } from '../model.js';
import { adagrad, adam, adamw, gd, rmsprop, sgd } from '../optimizers.js';
import type { Optimizer } from '../optimizers.js';
import { l1, l1l2, l2 } from '../regularizers.js';
import type { Regularizer } from '../regularizers.js';

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'gd', 'rmsprop', 'adagrad'] as const;
export type OptimizerChoice = (typeof OPTIMIZER_NAMES)[number];

export interface ModelSpec {
  task: 'classification' | 'regression';
  /** Values per sample (the product of inputShape). */
  inputDim: number;
  /** The shape of one sample: `[features]`, or `[h, w, c]` for image layers. */
  inputShape: number[];
  /** Classes (classification) or 1 (regression). */
  outputs: number;
  /** The hidden layers (see ./layer-spec.ts). */
  layers: LayerItem[];
  /** The activation of dense and conv layers that do not name their own. */
  activation: ActivationName;
  optimizer: OptimizerChoice;
  learningRate: number;
  l1: number;
  l2: number;
  /** Dropout after each hidden dense layer. */
  dropout: number;
}

function optimizer(name: OptimizerChoice, learningRate: number): Optimizer {
  switch (name) {
    case 'adam':
      return adam({ learningRate });
    case 'adamw':
      return adamw({ learningRate, weightDecay: 1e-4 });
    case 'sgd':
      return sgd({ learningRate, momentum: 0.9 });
    case 'gd':
      return gd({ learningRate });
    case 'rmsprop':
      return rmsprop({ learningRate });
    case 'adagrad':
      return adagrad({ learningRate });
  }
}

function regularizer(a: number, b: number): Regularizer | undefined {
  if (a > 0 && b > 0) return l1l2({ l1: a, l2: b });
  if (a > 0) return l1(a);
  if (b > 0) return l2(b);
  return undefined;
}

const initializerFor = (a: ActivationName) => (a === 'relu' || a === 'leakyRelu' ? 'heNormal' : 'glorotUniform');

/**
 * The layer of one list item; `first` layers get the model's input shape. `activation` overrides the
 * item's (a dense or conv layer followed by batch normalization is built linear, its activation after the BN).
 */
function layerOf(
  item: LayerItem,
  spec: ModelSpec,
  reg: Regularizer | undefined,
  first: boolean,
  activationOverride?: ActivationName,
): Layer {
  const input = first ? { inputShape: spec.inputShape } : {};
  const kernelRegularizer = reg ? { kernelRegularizer: reg } : {};
  switch (item.kind) {
    case 'dense': {
      const activation = item.activation ?? spec.activation;
      return layers.dense({
        units: item.units,
        activation: activationOverride ?? activation,
        kernelInitializer: initializerFor(activation),
        ...input,
        ...kernelRegularizer,
      });
    }
    case 'conv2d':
    case 'conv1d': {
      const activation = item.activation ?? spec.activation;
      return layers[item.kind]({
        filters: item.filters,
        kernelSize: item.kernelSize,
        strides: item.strides,
        dilationRate: item.dilationRate,
        padding: item.padding,
        activation: activationOverride ?? activation,
        kernelInitializer: initializerFor(activation),
        ...input,
        ...kernelRegularizer,
      });
    }
    case 'maxPooling2d':
    case 'averagePooling2d':
    case 'maxPooling1d':
    case 'averagePooling1d':
      return layers[item.kind]({ poolSize: item.poolSize, strides: item.strides, padding: item.padding, ...input });
    case 'reshape':
      return layers.reshape({ targetShape: item.targetShape, ...input });
    case 'globalAveragePooling2d':
    case 'globalMaxPooling2d':
    case 'globalAveragePooling1d':
    case 'flatten':
    case 'batchNormalization':
    case 'layerNormalization':
      return layers[item.kind](input);
    case 'dropout':
      return layers.dropout({ rate: item.rate });
  }
}

/** A new compiled model for the spec (the fold number is not used). */
export function buildModel(_fold: number, spec: ModelSpec): Sequential {
  const reg = regularizer(spec.l1, spec.l2);
  const list: Layer[] = [];
  const items = spec.layers;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const weighted = item.kind === 'dense' || item.kind === 'conv2d' || item.kind === 'conv1d';
    if (weighted && items[i + 1]?.kind === 'batchNormalization') {
      // conv -> BN -> activation (the usual order, and the one int8 quantization folds into the conv).
      const activation = item.activation ?? spec.activation;
      list.push(layerOf(item, spec, reg, list.length === 0, 'linear'));
      list.push(layers.batchNormalization({}));
      if (activation !== 'linear') list.push(layers.activation({ activation }));
      i++;
    } else list.push(layerOf(item, spec, reg, list.length === 0));
    if (item.kind === 'dense' && spec.dropout > 0) list.push(layers.dropout({ rate: spec.dropout }));
  }
  const classification = spec.task === 'classification';
  list.push(
    layers.dense({
      units: spec.outputs,
      activation: classification ? 'softmax' : 'linear',
      ...(list.length === 0 ? { inputShape: spec.inputShape } : {}),
      ...(reg ? { kernelRegularizer: reg } : {}),
    }),
  );
  const model = new Sequential(list);
  model.compile({
    optimizer: optimizer(spec.optimizer, spec.learningRate),
    loss: classification ? 'sparseCategoricalCrossentropy' : 'meanSquaredError',
    metrics: classification ? ['accuracy'] : ['mse', 'mae'],
  });
  return model;
}

/** One line describing the model. */
export function describeSpec(spec: ModelSpec): string {
  const hidden = spec.layers.map((item, i) => {
    const beforeBn =
      (item.kind === 'dense' || item.kind === 'conv2d' || item.kind === 'conv1d') &&
      spec.layers[i + 1]?.kind === 'batchNormalization';
    const text = beforeBn
      ? describeItem({ ...item, activation: 'linear' }, spec.activation)
      : describeItem(item, spec.activation);
    return `${text}${item.kind === 'dense' && spec.dropout > 0 ? ` + dropout ${spec.dropout}` : ''}`;
  });
  // The activation of a layer before a BN comes after the BN.
  spec.layers.forEach((item, i) => {
    if (item.kind === 'batchNormalization' && i > 0) {
      const prev = spec.layers[i - 1]!;
      if (prev.kind === 'dense' || prev.kind === 'conv2d' || prev.kind === 'conv1d') {
        const act = prev.activation ?? spec.activation;
        if (act !== 'linear') hidden[i] = `${hidden[i]} -> ${act}`;
      }
    }
  });
  const out = `dense ${spec.outputs} ${spec.task === 'classification' ? 'softmax' : 'linear'}`;
  const reg = [spec.l1 > 0 ? `l1 ${spec.l1}` : '', spec.l2 > 0 ? `l2 ${spec.l2}` : ''].filter(Boolean).join(', ');
  return `${[spec.inputShape.length > 1 ? `[${spec.inputShape.join(', ')}] images` : `${spec.inputDim} inputs`, ...hidden, out].join(' -> ')}; ${spec.optimizer} lr ${spec.learningRate}${reg ? `, ${reg}` : ''}`;
}
