/**
 * The model `simdnn train` builds from its flags. `buildModel(fold, spec)` is also the factory that
 * `crossValidate({ parallel })` imports in its worker threads.
 */
import * as layers from '../layers-public.js';
import type { ActivationName } from '../names.js';
import { Sequential } from '../model.js';
import { adagrad, adam, adamw, gd, rmsprop, sgd } from '../optimizers.js';
import type { Optimizer } from '../optimizers.js';
import { l1, l1l2, l2 } from '../regularizers.js';
import type { Regularizer } from '../regularizers.js';

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'gd', 'rmsprop', 'adagrad'] as const;
export type OptimizerChoice = (typeof OPTIMIZER_NAMES)[number];

export interface ModelSpec {
  task: 'classification' | 'regression';
  inputDim: number;
  /** Classes (classification) or 1 (regression). */
  outputs: number;
  layers: number[];
  activation: ActivationName;
  optimizer: OptimizerChoice;
  learningRate: number;
  l1: number;
  l2: number;
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

/** A new compiled model for the spec (the fold number is not used). */
export function buildModel(_fold: number, spec: ModelSpec): Sequential {
  const reg = regularizer(spec.l1, spec.l2);
  const init = spec.activation === 'relu' || spec.activation === 'leakyRelu' ? 'heNormal' : 'glorotUniform';
  const list = [];
  spec.layers.forEach((units, i) => {
    list.push(
      layers.dense({
        units,
        activation: spec.activation,
        kernelInitializer: init,
        ...(i === 0 ? { inputDim: spec.inputDim } : {}),
        ...(reg ? { kernelRegularizer: reg } : {}),
      }),
    );
    if (spec.dropout > 0) list.push(layers.dropout({ rate: spec.dropout }));
  });
  const classification = spec.task === 'classification';
  list.push(
    layers.dense({
      units: spec.outputs,
      activation: classification ? 'softmax' : 'linear',
      ...(spec.layers.length === 0 ? { inputDim: spec.inputDim } : {}),
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
  const hidden = spec.layers.map(
    (u) => `dense ${u} ${spec.activation}${spec.dropout > 0 ? ` + dropout ${spec.dropout}` : ''}`,
  );
  const out = `dense ${spec.outputs} ${spec.task === 'classification' ? 'softmax' : 'linear'}`;
  const reg = [spec.l1 > 0 ? `l1 ${spec.l1}` : '', spec.l2 > 0 ? `l2 ${spec.l2}` : ''].filter(Boolean).join(', ');
  return `${[`${spec.inputDim} inputs`, ...hidden, out].join(' -> ')}; ${spec.optimizer} lr ${spec.learningRate}${reg ? `, ${reg}` : ''}`;
}
