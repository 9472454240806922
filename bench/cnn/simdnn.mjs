// simdnn on the `cnn` suite's network, built with the layers of API.md
// (nn.layers.conv2d, maxPooling2d, flatten, dense) from the suite's layer
// description and the shared initial weights (getWeights() order: each conv
// and dense layer's kernel, then its bias). mode 'train': model.fit with
// sparse softmax cross-entropy and Adam, timed around fit only; mode 'infer':
// the synchronous model.predict on a [batch, 28, 28, 1] tensor.
import * as nn from '../../dist/index.js';
import { accuracyOf, timedTraining, trainResult } from '../train/common.mjs';
import { timeCalls } from '../infer/common.mjs';
import { loadCnnInputs, peakRss, predictInChunks, resetPeakRss } from './common.mjs';

/** The sequential model of the layer description, with `init` as its weights. */
export function makeModel(net, init, { optimizer, seed = 1 } = {}) {
  const layers = net.layers.map((l, i) => {
    const first = i === 0 ? { inputShape: net.inputShape } : {};
    switch (l.type) {
      case 'conv2d':
        return nn.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, activation: l.activation, ...first });
      case 'maxPooling2d':
        return nn.layers.maxPooling2d({ poolSize: l.poolSize, ...first });
      case 'flatten':
        return i === 0 ? nn.layers.flatten(first) : nn.layers.flatten();
      case 'dense':
        return nn.layers.dense({ units: l.units, activation: l.activation, ...first });
      case 'batchNormalization':
        return nn.layers.batchNormalization({ momentum: l.momentum, epsilon: l.epsilon, ...first });
      case 'activation':
        return nn.layers.activation({ activation: l.activation, ...first });
      default:
        throw new Error(`unknown layer type ${l.type}`);
    }
  });
  const model = nn.sequential(layers);
  if (optimizer) model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  model.build(undefined, seed);
  // `init` holds the conv and dense weights; batch normalizations keep their initial γ, β and statistics.
  const weights = model.getWeights();
  let w = 0;
  let k = 0;
  for (const l of net.layers) {
    if (l.type === 'conv2d' || l.type === 'dense') {
      weights[w++] = init[k++];
      weights[w++] = init[k++];
    } else if (l.type === 'batchNormalization') w += 4;
  }
  if (k !== init.length || w !== weights.length) throw new Error('the initial weights do not fit the layers');
  model.setWeights(weights);
  return model;
}

async function train(p) {
  const { train, test, init, d } = loadCnnInputs(p);
  const shape = p.net.inputShape;
  const x = nn.tensor(train.x, [train.n, ...shape]);
  const y = nn.tensor(Float32Array.from(train.y));
  const make = () => makeModel(p.net, init, { optimizer: nn.optimizers.adam({ learningRate: p.lr }), seed: p.run + 1 });
  // Memory: from here (data loaded, in simdnn tensors) to the end of training, warm-up included.
  const rssAtStart = resetPeakRss();
  if (p.warmupBatches > 0) {
    const m = Math.min(train.n, p.warmupBatches * p.batchSize);
    await make().fit(x.slice(0, m), y.slice(0, m), { epochs: 1, batchSize: p.batchSize, verbose: 0 });
  }
  const peaks = [];
  const { model, seconds, times } = await timedTraining(p, make, async (model) => {
    await model.fit(x, y, { epochs: p.epochs, batchSize: p.batchSize, shuffle: true, seed: p.run + 1, verbose: 0 });
    peaks.push(peakRss());
  });
  let accuracy = null;
  if (test) {
    const probs = await predictInChunks(
      test.x,
      test.n,
      d.classes,
      (xs, rows) => model.predict(nn.tensor(xs, [rows, ...shape])).data,
    );
    accuracy = accuracyOf(probs, test.y, d.classes);
  }
  return trainResult(p, {
    samples: train.n * p.epochs,
    seconds,
    times,
    accuracy,
    testSamples: test?.n,
    extra: { isa: nn.info().isa, peakRssMiB: peaks.length ? Math.max(...peaks) : null, rssAtStartMiB: rssAtStart },
  });
}

async function infer(p) {
  const { infer: part, init } = loadCnnInputs(p);
  const model = makeModel(p.net, init);
  const input = nn.tensor(part.x.slice(0, p.batch * part.features), [p.batch, ...p.net.inputShape]);
  const result = await timeCalls(p, () => model.predict(input).data);
  return { ...result, isa: nn.info().isa };
}

export async function run(p) {
  nn.setThreads(p.threads);
  return p.mode === 'train' ? train(p) : infer(p);
}
