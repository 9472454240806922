// Binary classification: malignant vs benign tumours (breast cancer data set) with a sigmoid output.
// Run: node examples/binary-classification.mjs   (after `npm run build`; in your project, import from 'simdnn')
import * as nn from '../dist/index.js';

const { x, y, classNames } = nn.datasets.breastCancer(); // y: 0 = malignant, 1 = benign
const { xTrain, xTest, yTrain, yTest } = nn.data.trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed: 7 });
const scaler = new nn.data.StandardScaler().fit(xTrain);

const model = nn.sequential([
  nn.layers.dense({ units: 32, inputDim: x.shape[1], activation: 'relu', kernelRegularizer: nn.regularizers.l2(1e-4) }),
  nn.layers.dropout({ rate: 0.2 }),
  nn.layers.dense({ units: 1, activation: 'sigmoid' }),
]);
model.compile({
  optimizer: nn.optimizers.adam({ learningRate: 0.003 }),
  loss: 'binaryCrossentropy',
  metrics: ['accuracy', 'precision', 'recall', 'auc'],
});
await model.fit(scaler.transform(xTrain), yTrain, { epochs: 40, batchSize: 32, seed: 7, verbose: 0 });

const scores = model.evaluate(scaler.transform(xTest), yTest);
console.log(
  Object.entries(scores)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', '),
);

// Probabilities of class 1 ("benign") for the first five test tumours.
const p = model.predict(scaler.transform(xTest.slice(0, 5))).data;
for (let i = 0; i < 5; i++)
  console.log(
    `p(${classNames[1]}) = ${p[i].toFixed(3)} -> ${classNames[p[i] > 0.5 ? 1 : 0]} (true: ${classNames[yTest.data[i]]})`,
  );
