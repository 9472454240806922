// The `small` suite: the training comparison on the bundled 8x8 digits
// (1,438 training and 359 test images, 64-32-10), where a batch is a few
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
    // A 5-epoch run of the fast ones takes milliseconds: each run times 5
    // fresh trainings in a row and reports their median.
    simdnn: { ...all, multiThreaded: true, repeats: size === 'full' ? 5 : 1 },
    pytorch: { ...all, multiThreaded: true, repeats: size === 'full' ? 5 : 1 },
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
      'Training samples per second over 5 epochs of the 1,438 training images (every fifth image is held out: 359 test images); pixels / 16.',
      'Same modules and rules as the train suite: same data bytes and initial weights for all, timed around the training call(s) only, a throw-away warm-up model first.',
      'Test accuracy after those 5 epochs on the 359 held-out images.',
      'simdnn and PyTorch take milliseconds for 5 epochs here, so each of their runs trains 5 fresh models one after the other (same start) and reports the median time; the figure is the median of those over the runs.',
      'brain.js: per-sample updates with relu on its output layer (see the train suite); its accuracy is the argmax of those outputs.',
    ],
    async prepare() {
      const dataDir = prepareDigits();
      return { dataDir, initFile: prepareInitWeights(sizes, 1), sizes, trainSize: 1438 };
    },
    entries: (shared) => trainEntries({ shared, batchSize: 32, threads: [1, 2], plan }),
  };
}
