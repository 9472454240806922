/** Names of activations, losses and metrics, and the ids the native core uses for them. */

/** Activation names; their order is the native `Act` enum. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Loss names; their order is the native `Loss` enum (the FromLogits forms are chosen natively). */
export const LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
] as const;
export type LossName = (typeof LOSSES)[number];

/** Metric names; their order is the native `Metric` enum. */
export const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'mse', 'mae'] as const;
export type MetricName = (typeof METRICS)[number];

/** Common aliases users type, mapped to the canonical names. */
export const LOSS_ALIASES: Record<string, LossName> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};
export const METRIC_ALIASES: Record<string, MetricName> = { acc: 'accuracy' };

export const activationId = (name: ActivationName): number => ACTIVATIONS.indexOf(name);
export const lossId = (name: LossName): number => LOSSES.indexOf(name);
export const metricId = (name: MetricName): number => METRICS.indexOf(name);
