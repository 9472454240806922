// The `small` suite: the training comparison on the bundled 8x8 digits
// (1,437 training and 360 test images, 64-32-10), where a batch is a few
// microseconds of arithmetic and per-call overhead decides. Same modules as
// the `train` suite (bench/train/*), batch 32, 5 epochs; every peer is cheap
// enough here to train on all the data and have its accuracy measured.
import { prepareDigits, prepareInitWeights } from '../lib/data.mjs';
import { trainEntries } from '../train/suite.mjs';

/** size: 'full' (the real figures), 'quick' (1 epoch: checks the harness), 'tiny' (tests). */
export function smallSuite({ size = 'full' } = {}) {
  const sizes = [64, 32, 10];
  const all = {
    epochs: size === 'full' ? 5 : 1,
    accuracy: true,
    ...(size === 'tiny' ? { trainLimit: 256, testLimit: 128, warmupBatches: 1 } : {}),
  };
  const plan = {
    simdnn: { ...all, multiThreaded: true },
    pytorch: { ...all, multiThreaded: true },
    'tfjs-wasm': { ...all },
    'tfjs-cpu': { ...all },
    'brain.js': { ...all, note: 'per-sample updates, relu output' },
  };
  return {
    suite: 'small',
    size,
    title: 'Digits training (8x8 images), 64-32-10 ReLU, softmax cross-entropy, batch 32',
    runs: 5,
    notes: [
      'Training samples per second over 5 epochs of the 1,437 training images (every fifth image is held out: 360 test images); pixels / 16.',
      'Same modules and rules as the train suite: same data bytes and initial weights for all, timed around the training call(s) only, a throw-away warm-up model first.',
      'Test accuracy after those 5 epochs on the 360 held-out images.',
      'brain.js: per-sample updates with relu on its output layer (see the train suite); its accuracy is the argmax of those outputs.',
    ],
    async prepare() {
      const dataDir = prepareDigits();
      return { dataDir, initFile: prepareInitWeights(sizes, 1), sizes, trainSize: 1437 };
    },
    entries: (shared) => trainEntries({ shared, batchSize: 32, threads: [1, 2], plan }),
  };
}
