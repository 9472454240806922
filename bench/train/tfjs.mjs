// TensorFlow.js (pure-JS "cpu" or WebAssembly "wasm" backend): a tf.layers
// model with the same layers and weights, trained with model.fit. Both
// backends run single-threaded in Node (the wasm build with threads needs
// browser workers), so only 1-thread settings are measured.
import { requirePeer } from '../lib/peers.mjs';
import { accuracyOf, loadInputs, timedTraining, trainResult } from './common.mjs';

/** Loads tfjs and selects `backend`; returns the tf namespace. */
export async function tfjsWithBackend(backend) {
  const tf = requirePeer('@tensorflow/tfjs');
  if (backend === 'wasm') {
    requirePeer('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  // tfjs prints a banner recommending tfjs-node on the first op in Node: keep stdout clean.
  const log = console.log;
  console.log = () => {};
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend`);
    await tf.ready();
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
  } finally {
    console.log = log;
  }
  return tf;
}

/** The backend in use and, for wasm, whether it runs SIMD code and threads. */
export async function backendInfo(tf) {
  const info = { backend: tf.getBackend() };
  if (info.backend === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

/** A tf.layers model of `sizes` (relu hidden layers, softmax output) holding `weights` (simdnn order). */
export function tfjsModel(tf, sizes, weights) {
  const model = tf.sequential();
  for (let l = 1; l < sizes.length; l++) {
    model.add(
      tf.layers.dense({
        units: sizes[l],
        ...(l === 1 ? { inputShape: [sizes[0]] } : {}),
        activation: l === sizes.length - 1 ? 'softmax' : 'relu',
      }),
    );
  }
  const tensors = [];
  for (let l = 1; l < sizes.length; l++) {
    tensors.push(tf.tensor2d(weights[2 * (l - 1)], [sizes[l - 1], sizes[l]]), tf.tensor1d(weights[2 * l - 1]));
  }
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

export async function trainTfjs(backend, p) {
  const tf = await tfjsWithBackend(backend);
  const { train, test, init } = loadInputs(p);
  const x = tf.tensor2d(train.x, [train.n, train.features]);
  const y = tf.tensor1d(Float32Array.from(train.y));
  const make = () => {
    const m = tfjsModel(tf, p.sizes, init);
    const optimizer = p.optimizer === 'adam' ? tf.train.adam(p.lr) : tf.train.sgd(p.lr);
    m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  if (p.warmupBatches > 0) {
    const m = Math.min(train.n, p.warmupBatches * p.batchSize);
    await make().fit(x.slice(0, m), y.slice(0, m), { epochs: 1, batchSize: p.batchSize, verbose: 0 });
  }
  const { model, seconds, times } = await timedTraining(p, make, (model) =>
    model.fit(x, y, { epochs: p.epochs, batchSize: p.batchSize, shuffle: true, verbose: 0 }),
  );
  let accuracy = null;
  if (test) {
    const probs = tf.tidy(() => model.predict(tf.tensor2d(test.x, [test.n, test.features])).dataSync());
    accuracy = accuracyOf(probs, test.y, test.classes);
  }
  return trainResult(p, {
    samples: train.n * p.epochs,
    seconds,
    times,
    accuracy,
    testSamples: test?.n,
    extra: await backendInfo(tf),
  });
}
