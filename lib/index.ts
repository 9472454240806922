/**
 * simdnn: neural networks for Node.js on SIMD kernels.
 *
 *   import * as nn from 'simdnn';
 *   const model = nn.sequential([nn.layers.dense({ units: 32, inputDim: 64, activation: 'relu' }),
 *                                nn.layers.dense({ units: 10, activation: 'softmax' })]);
 */
export { info, setThreads, setSeed, type Info } from './system.js';
export { Tensor, tensor, type TensorLike, type NestedArray } from './tensor.js';
export { matmul, matmulAsync, dot, type MatmulOptions } from './ops.js';
export {
  Sequential,
  sequential,
  TrainingDivergedError,
  type CompileOptions,
  type FitOptions,
  type History,
  type PredictOptions,
} from './model.js';
export { QuantizedModel, type QuantizedDescription, type QuantParams } from './quantize/quantized-model.js';
export type { QuantizeOptions } from './quantize/quantize.js';
export type { QuantizedOp } from './quantize/plan.js';
export {
  Layer,
  type ConvOptions,
  type DenseOptions,
  type LayerConfig,
  type LayerType,
  type PoolingOptions,
  type Shape,
} from './layers.js';
export type { BatchNormalizationOptions, LayerNormalizationOptions } from './layers/normalization.js';
export * as layers from './layers-public.js';
export * as optimizers from './optimizers-public.js';
export * as regularizers from './regularizers-public.js';
export * as schedules from './schedules-public.js';
export * as callbacks from './callbacks-public.js';
export type { Callback, Logs, TrainingModel, Mode as MonitorMode } from './callbacks.js';
export {
  Optimizer,
  type OptimizerName,
  type CommonOptions as OptimizerOptions,
  type AdamOptions,
} from './optimizers.js';
export { Regularizer } from './regularizers.js';
export { Schedule, type Kind as ScheduleKind } from './schedules.js';
export { ACTIVATIONS, LOSSES, METRICS, type ActivationName, type LossName, type MetricName } from './names.js';
export { INITIALIZERS, type InitializerName, type InitializerSpec } from './initializers.js';
export { loadModel } from './io/load.js';
export * as data from './data/index.js';
export * as datasets from './datasets.js';
export { learningCurveSvg, type LearningCurveOptions } from './chart.js';
export { ModelFormatError } from './io/format.js';
export { serve, type ServeOptions, type ModelServer, type ServableModel, type ModelLoader } from './serve/index.js';
