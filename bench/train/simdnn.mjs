// simdnn: model.fit with sparse softmax cross-entropy, timed around fit only.
import * as nn from '../../dist/index.js';
import { accuracyOf, loadInputs, timedTraining, trainResult } from './common.mjs';

// p.batchNorm: each hidden layer is dense (no activation) -> batchNormalization -> relu.
function makeModel(p, init) {
  const { sizes } = p;
  const layers = [];
  for (let l = 1; l < sizes.length; l++) {
    const last = l === sizes.length - 1;
    const bn = p.batchNorm && !last;
    layers.push(
      nn.layers.dense({
        units: sizes[l],
        ...(l === 1 ? { inputDim: sizes[0] } : {}),
        activation: last ? 'softmax' : bn ? 'linear' : 'relu',
      }),
    );
    if (bn) layers.push(nn.layers.batchNormalization(), nn.layers.activation({ activation: 'relu' }));
  }
  const model = nn.sequential(layers);
  const optimizer =
    p.optimizer === 'adam' ? nn.optimizers.adam({ learningRate: p.lr }) : nn.optimizers.sgd({ learningRate: p.lr });
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  model.build(sizes[0], p.run + 1);
  if (p.batchNorm) {
    // `init` holds the dense weights; the batch normalizations keep γ 1, β 0 and moving statistics 0 and 1.
    const weights = model.getWeights();
    for (let l = 0; l < sizes.length - 1; l++) {
      weights[6 * l] = init[2 * l];
      weights[6 * l + 1] = init[2 * l + 1];
    }
    model.setWeights(weights);
  } else model.setWeights(init);
  return model;
}

export async function run(p) {
  nn.setThreads(p.threads);
  const { train, test, init } = loadInputs(p);
  const x = nn.tensor(train.x, [train.n, train.features]);
  const y = nn.tensor(Float32Array.from(train.y));

  // Warm-up on a throwaway model: first-touch of memory, thread start-up.
  if (p.warmupBatches > 0) {
    const m = p.warmupBatches * p.batchSize;
    await makeModel(p, init).fit(x.slice(0, m), y.slice(0, m), { epochs: 1, batchSize: p.batchSize, verbose: 0 });
  }

  const { model, seconds, times } = await timedTraining(
    p,
    () => makeModel(p, init),
    (model) =>
      model.fit(x, y, { epochs: p.epochs, batchSize: p.batchSize, shuffle: true, seed: p.run + 1, verbose: 0 }),
  );

  let accuracy = null;
  if (test) accuracy = accuracyOf(model.predict(nn.tensor(test.x, [test.n, test.features])).data, test.y, test.classes);
  return trainResult(p, {
    samples: train.n * p.epochs,
    seconds,
    times,
    accuracy,
    testSamples: test?.n,
    extra: { isa: nn.info().isa },
  });
}
