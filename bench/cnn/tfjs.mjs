// TensorFlow.js (pure-JavaScript "cpu" or WebAssembly "wasm" backend, one
// thread in Node) training the `cnn` suite's network: a tf.layers model of
// the same layer description holding the same weights (tf.layers kernels are
// [kh, kw, in, filters] and [in, units], flatten in (h, w, c) order, as
// simdnn's), trained with model.fit, Adam, sparse categorical cross-entropy.
import { backendInfo, tfjsWithBackend } from '../train/tfjs.mjs';
import { accuracyOf, timedTraining, trainResult } from '../train/common.mjs';
import { describeNet, loadCnnInputs, peakRss, predictInChunks, resetPeakRss } from './common.mjs';

function tfjsModel(tf, net, init) {
  const model = tf.sequential();
  net.layers.forEach((l, i) => {
    const first = i === 0 ? { inputShape: net.inputShape } : {};
    if (l.type === 'conv2d')
      model.add(tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, activation: l.activation, ...first }));
    else if (l.type === 'maxPooling2d') model.add(tf.layers.maxPooling2d({ poolSize: l.poolSize, ...first }));
    else if (l.type === 'flatten') model.add(tf.layers.flatten(first));
    else if (l.type === 'dense') model.add(tf.layers.dense({ units: l.units, activation: l.activation, ...first }));
    else throw new Error(`unknown layer type ${l.type}`);
  });
  const weighted = describeNet(net).layers.filter((l) => l.kernelShape);
  const tensors = weighted.flatMap((l, j) => [
    tf.tensor(init[2 * j], l.kernelShape),
    tf.tensor(init[2 * j + 1], l.biasShape),
  ]);
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** The kernels training this network needs. */
const TRAINING_KERNELS = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad'];

/**
 * mode 'probe': { missingKernels } (the training kernels the backend does not
 * register: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, so it cannot
 * train a conv2d layer); mode 'train': the training run.
 */
export async function trainTfjsCnn(backend, p) {
  const tf = await tfjsWithBackend(backend);
  if (p.mode === 'probe') return { missingKernels: TRAINING_KERNELS.filter((k) => !tf.getKernel(k, backend)) };
  const { train, test, init, d } = loadCnnInputs(p);
  const shape = p.net.inputShape;
  const x = tf.tensor(train.x, [train.n, ...shape]);
  const y = tf.tensor1d(Float32Array.from(train.y));
  const make = () => {
    const m = tfjsModel(tf, p.net, init);
    m.compile({ optimizer: tf.train.adam(p.lr), loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  // Warm-up: p.warmupSamples samples in one batch (the cpu backend trains about a sample per second here), or
  // p.warmupBatches full batches.
  // Memory: from here (data loaded, in tf tensors) to the end of training, warm-up included.
  const rssAtStart = resetPeakRss();
  const warm = p.warmupSamples ?? p.warmupBatches * p.batchSize;
  if (warm > 0) {
    const m = Math.min(train.n, warm);
    await make().fit(x.slice(0, m), y.slice(0, m), { epochs: 1, batchSize: Math.min(m, p.batchSize), verbose: 0 });
  }
  const peaks = [];
  const { model, seconds, times } = await timedTraining(p, make, async (model) => {
    await model.fit(x, y, { epochs: p.epochs, batchSize: p.batchSize, shuffle: true, verbose: 0 });
    peaks.push(peakRss());
  });
  let accuracy = null;
  if (test) {
    const probs = await predictInChunks(test.x, test.n, d.classes, (xs, rows) =>
      tf.tidy(() => model.predict(tf.tensor(xs, [rows, ...shape])).dataSync()),
    );
    accuracy = accuracyOf(probs, test.y, d.classes);
  }
  return trainResult(p, {
    samples: train.n * p.epochs,
    seconds,
    times,
    accuracy,
    testSamples: test?.n,
    extra: {
      ...(await backendInfo(tf)),
      peakRssMiB: peaks.length ? Math.max(...peaks) : null,
      rssAtStartMiB: rssAtStart,
    },
  });
}
