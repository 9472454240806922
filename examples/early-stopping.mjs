// Early stopping: train for up to 300 epochs, stop when the validation loss has not improved for
// 10 epochs, and keep the best weights. The history shows where it stopped.
// Run: node examples/early-stopping.mjs   (after `npm run build`; in your project, import from 'simdnn')
import * as nn from '../dist/index.js';

const { x, y } = nn.datasets.digits();
const { xTrain, xTest, yTrain, yTest } = nn.data.trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed: 3 });
const scaler = new nn.data.StandardScaler().fit(xTrain);

const model = nn.sequential([
  nn.layers.dense({ units: 128, inputDim: 64, activation: 'relu' }),
  nn.layers.dropout({ rate: 0.3 }),
  nn.layers.dense({ units: 10, activation: 'softmax' }),
]);
model.compile({
  optimizer: nn.optimizers.adam({ learningRate: 0.003 }),
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
});

const stopper = nn.callbacks.earlyStopping({ monitor: 'valLoss', patience: 10, restoreBestWeights: true });
const history = await model.fit(scaler.transform(xTrain), yTrain, {
  epochs: 300,
  batchSize: 32,
  validationSplit: 0.2,
  seed: 3,
  verbose: 0,
  callbacks: [stopper],
});

const ran = history.epoch.length;
console.log(
  `ran ${ran} of 300 epochs; best valLoss ${history.history.valLoss[stopper.bestEpoch].toFixed(4)} at epoch ${stopper.bestEpoch + 1}`,
);
console.log(
  `test accuracy with the best weights: ${model.evaluate(scaler.transform(xTest), yTest).accuracy.toFixed(3)}`,
);
