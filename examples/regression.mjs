// Regression: learn y = sin(x0) + x1^2 / 2 from noisy samples, with a small MLP and mean squared error.
// Run: node examples/regression.mjs   (after `npm run build`; in your project, import from 'simdnn')
import * as nn from '../dist/index.js';

const n = 2000;
const rng = new nn.data.Random(42);
const x = new Float32Array(n * 2);
const y = new Float32Array(n);
for (let i = 0; i < n; i++) {
  const a = rng.next() * 6 - 3;
  const b = rng.next() * 4 - 2;
  x.set([a, b], i * 2);
  y[i] = Math.sin(a) + (b * b) / 2 + (rng.next() - 0.5) * 0.1;
}
const { xTrain, xTest, yTrain, yTest } = nn.data.trainTestSplit(nn.tensor(x, [n, 2]), nn.tensor(y, [n, 1]), {
  testSize: 0.2,
  seed: 1,
});

// Scale the features with statistics of the training part only.
const scaler = new nn.data.StandardScaler().fit(xTrain);

const model = nn.sequential([
  nn.layers.dense({ units: 64, inputDim: 2, activation: 'relu' }),
  nn.layers.dense({ units: 64, activation: 'relu' }),
  nn.layers.dense({ units: 1 }),
]);
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.003 }), loss: 'meanSquaredError', metrics: ['mae'] });

await model.fit(scaler.transform(xTrain), yTrain, {
  epochs: 60,
  batchSize: 32,
  validationSplit: 0.1,
  seed: 1,
  verbose: 0,
});
const { loss, mae } = model.evaluate(scaler.transform(xTest), yTest);
console.log(`test mse ${loss.toFixed(4)}, mae ${mae.toFixed(4)}`);

const probe = nn.tensor([
  [1, 1],
  [-2, 0],
]);
const [p0, p1] = model.predict(scaler.transform(probe)).data;
console.log(
  `f(1, 1) ~ ${p0.toFixed(3)} (true ${(Math.sin(1) + 0.5).toFixed(3)}), f(-2, 0) ~ ${p1.toFixed(3)} (true ${Math.sin(-2).toFixed(3)})`,
);
