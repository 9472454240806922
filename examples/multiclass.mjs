// Multi-class classification: handwritten digits 0-9 (8x8 pixels) with a softmax output.
// Run: node examples/multiclass.mjs   (after `npm run build`; in your project, import from 'simdnn')
import * as nn from '../dist/index.js';

const { x, y } = nn.datasets.digits();
const { xTrain, xTest, yTrain, yTest } = nn.data.trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed: 1 });
const scaler = new nn.data.StandardScaler().fit(xTrain);

const model = nn.sequential([
  nn.layers.dense({ units: 128, inputDim: 64, activation: 'relu', kernelInitializer: 'heNormal' }),
  nn.layers.dense({ units: 10, activation: 'softmax' }),
]);
// Class ids as targets: sparseCategoricalCrossentropy (use categoricalCrossentropy with nn.data.oneHot(y, 10)).
model.compile({
  optimizer: nn.optimizers.adam({ learningRate: 0.003 }),
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
});
model.summary();
await model.fit(scaler.transform(xTrain), yTrain, {
  epochs: 30,
  batchSize: 32,
  validationSplit: 0.1,
  seed: 1,
  verbose: 2,
});

console.log(`test accuracy: ${model.evaluate(scaler.transform(xTest), yTest).accuracy.toFixed(3)}`);
const predicted = nn.data.argMax(model.predict(scaler.transform(xTest.slice(0, 10))));
console.log(`predicted ${[...predicted].join(' ')}\nactual    ${[...yTest.data.subarray(0, 10)].join(' ')}`);
