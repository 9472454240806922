// A model factory for cross-validation (see cross-validation.mjs). It lives in its own module so that
// parallel cross-validation can import it in each worker thread: functions cannot be sent to threads.
import * as nn from '../dist/index.js';

/** A new compiled classifier; `options` is the `options` of the factory reference. */
export function buildClassifier(_fold, options = {}) {
  const { inputs = 13, classes = 3, hidden = 32, learningRate = 0.005 } = options;
  const model = nn.sequential([
    nn.layers.dense({ units: hidden, inputDim: inputs, activation: 'relu' }),
    nn.layers.dense({ units: classes, activation: 'softmax' }),
  ]);
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}
