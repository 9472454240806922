/** Batch and layer normalization over the last axis of channels-last samples (Keras conventions). */
import { rangeError } from '../errors.js';
import { checkBoolean, checkKnownKeys, checkNumber, checkOptions } from '../validate.js';
import { Layer, type LayerConfig, type WeightSpec, registerLayer, shapeError } from './base.js';
import { NATIVE_TYPE, inputShapeOption, nameOption, trainableOption } from './core.js';

export interface BatchNormalizationOptions {
  /** Weight of the old value in the moving statistics' update (default 0.99; in [0, 1)). */
  momentum?: number;
  /** Added to the variance before its square root (default 1e-3; above 0). */
  epsilon?: number;
  /** Learn an offset β (default true). */
  center?: boolean;
  /** Learn a scale γ (default true). */
  scale?: boolean;
  /** Keras's fine-tuning switch (default true); a frozen batch normalization uses its moving statistics in training too. */
  trainable?: boolean;
  /** The sample shape, first layer only. */
  inputShape?: number[];
  name?: string;
}

export interface LayerNormalizationOptions {
  /** Added to the variance before its square root (default 1e-3; above 0). */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  trainable?: boolean;
  inputShape?: number[];
  name?: string;
}

function common(o: Record<string, unknown>): Partial<LayerConfig> {
  const epsilon = o.epsilon === undefined ? 1e-3 : checkNumber(o.epsilon, 'epsilon', { min: 0, minExclusive: true });
  return {
    epsilon,
    center: o.center === undefined ? true : checkBoolean(o.center, 'center'),
    scale: o.scale === undefined ? true : checkBoolean(o.scale, 'scale'),
    trainable: trainableOption(o),
    name: nameOption(o),
    inputShape: inputShapeOption(o.inputShape, [1, 2, 3], 'a sample shape ([features], [steps, c] or [h, w, c])'),
  };
}

/**
 * Batch normalization over every axis but the last (the channels): in training with the batch's mean and
 * biased variance, updating `moving = moving·momentum + batch·(1 − momentum)`; in predict / evaluate (and when
 * frozen) with the moving statistics. `y = γ·(x − μ)/sqrt(σ² + ε) + β`. Weights: `[gamma?, beta?, movingMean,
 * movingVariance]`, the moving statistics not trained. A batch of one sample after a dense layer has zero
 * variance: its output in training is β (allowed, as in Keras, but meaningless).
 */
export function batchNormalization(options: BatchNormalizationOptions = {}): Layer {
  const o = checkOptions(options ?? {}, 'options');
  checkKnownKeys(
    o,
    ['momentum', 'epsilon', 'center', 'scale', 'trainable', 'inputShape', 'name'],
    'batchNormalization options',
  );
  const momentum =
    o.momentum === undefined ? 0.99 : checkNumber(o.momentum, 'momentum', { min: 0, max: 1, maxExclusive: true });
  return new Layer({ type: 'batchNormalization', momentum, ...common(o) });
}

/**
 * Layer normalization: each sample's values along the last axis are normalized with their own mean and biased
 * variance, then scaled and shifted by `γ`, `β` per feature; the same in training and prediction. A last axis of
 * one value normalizes to 0 (output β): allowed, but meaningless.
 */
export function layerNormalization(options: LayerNormalizationOptions = {}): Layer {
  const o = checkOptions(options ?? {}, 'options');
  checkKnownKeys(o, ['epsilon', 'center', 'scale', 'trainable', 'inputShape', 'name'], 'layerNormalization options');
  return new Layer({ type: 'layerNormalization', ...common(o) });
}

function affineWeights(c: LayerConfig, channels: number): WeightSpec[] {
  const w: WeightSpec[] = [];
  if (c.scale !== false) w.push({ name: 'gamma', shape: [channels] });
  if (c.center !== false) w.push({ name: 'beta', shape: [channels] });
  return w;
}

function lastAxis(input: number[], label: string): number {
  if (input.length < 1 || input.length > 3)
    throw shapeError(label, '[n, features], [n, steps, c] or [n, h, w, c]', input);
  return input[input.length - 1]!;
}

registerLayer({
  type: 'batchNormalization',
  outputShape: (_c, input, label) => (lastAxis(input, label), [...input]),
  weights(c, input) {
    const ch = input[input.length - 1]!;
    return [...affineWeights(c, ch), { name: 'movingMean', shape: [ch] }, { name: 'movingVariance', shape: [ch] }];
  },
  native(c, input) {
    return {
      type: NATIVE_TYPE.batchNorm,
      units: input[input.length - 1]!,
      momentum: c.momentum ?? 0.99,
      epsilon: c.epsilon ?? 1e-3,
      center: c.center !== false,
      scale: c.scale !== false,
    };
  },
  fromJSON(c) {
    return batchNormalization({
      momentum: c.momentum,
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      trainable: c.trainable,
      inputShape: c.inputShape,
      name: c.name,
    });
  },
  detail: (c) => (c.momentum !== undefined && c.momentum !== 0.99 ? `momentum ${c.momentum}` : ''),
});

registerLayer({
  type: 'layerNormalization',
  outputShape: (_c, input, label) => (lastAxis(input, label), [...input]),
  weights: (c, input) => affineWeights(c, input[input.length - 1]!),
  native(c, input) {
    return {
      type: NATIVE_TYPE.layerNorm,
      units: input[input.length - 1]!,
      epsilon: c.epsilon ?? 1e-3,
      center: c.center !== false,
      scale: c.scale !== false,
    };
  },
  fromJSON(c) {
    return layerNormalization({
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      trainable: c.trainable,
      inputShape: c.inputShape,
      name: c.name,
    });
  },
});

/** @internal Checks the moving variance given to setWeights (finite and ≥ 0). */
export function checkMovingVariance(w: Float32Array, argument: string): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!(v >= 0) || !Number.isFinite(v))
      throw rangeError('a moving variance of finite values >= 0', `${argument}[${i}]`, v);
  }
}
