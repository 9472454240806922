// The `train` suite: Fashion-MNIST, 784-256-128-10 (ReLU, softmax
// cross-entropy), batch 128, Adam (lr 1e-3) and SGD (lr 0.1). Training
// samples per second at 1 and 2 threads, and test accuracy after 5 epochs
// where that is affordable (simdnn, PyTorch); the slow peers train one epoch
// on a bounded subset and their accuracy is not measured.
import { prepareFashionMnist, prepareInitWeights } from '../lib/data.mjs';

export const OPTIMIZERS = [
  { name: 'adam', lr: 1e-3 },
  { name: 'sgd', lr: 0.1 },
];

/**
 * The entries of a training suite. `sizes` by competitor: full-size figures
 * with accuracy for the fast ones, a subset for the slow ones.
 */
export function trainEntries({ shared, batchSize, threads, plan, batchNorm = false }) {
  const entries = [];
  const scripts = {
    simdnn: ['node', 'bench/train/simdnn.mjs'],
    pytorch: ['python', 'bench/train/pytorch.py'],
    'tfjs-wasm': ['node', 'bench/train/tfjs-wasm.mjs'],
    'tfjs-cpu': ['node', 'bench/train/tfjs-cpu.mjs'],
    'brain.js': ['node', 'bench/train/brain.mjs'],
  };
  for (const t of threads) {
    for (const opt of batchNorm ? OPTIMIZERS.filter((o) => o.name === 'adam') : OPTIMIZERS) {
      for (const [competitor, [kind, script]] of Object.entries(scripts)) {
        const p = plan[competitor];
        if (batchNorm && competitor !== 'simdnn' && competitor !== 'pytorch') continue;
        if (!p || (t > 1 && !p.multiThreaded)) continue;
        const trainLimit = typeof p.trainLimit === 'object' ? p.trainLimit[opt.name] : p.trainLimit;
        const subset = trainLimit && trainLimit < shared.trainSize;
        entries.push({
          competitor,
          setting: `${batchNorm ? 'bn-' : ''}${opt.name}-${t}t`,
          label: `${batchNorm ? 'dense–BN–relu, ' : ''}${opt.name === 'adam' ? 'Adam' : 'SGD'}, ${t} thread${t > 1 ? 's' : ''}`,
          kind,
          script,
          metric: { key: 'samplesPerSec', unit: 'samples/s', label: 'training samples/s', higherIsBetter: true },
          accuracy: p.accuracy,
          accuracyNote: p.accuracy ? undefined : (p.accuracyNote ?? 'not measured (too slow for 5 epochs)'),
          note: [
            `${(subset ? trainLimit : shared.trainSize).toLocaleString('en-US')} samples`,
            `${p.epochs} epoch${p.epochs > 1 ? 's' : ''}`,
            p.note,
          ]
            .filter(Boolean)
            .join(', '),
          params: {
            dataDir: shared.dataDir,
            initFile: shared.initFile,
            sizes: shared.sizes,
            optimizer: opt.name,
            lr: opt.lr,
            batchSize,
            epochs: p.epochs,
            threads: t,
            trainLimit: trainLimit ?? null,
            testLimit: p.testLimit ?? null,
            measureAccuracy: Boolean(p.accuracy),
            warmupBatches: p.warmupBatches ?? 3,
            repeats: p.repeats ?? 1,
            ...(batchNorm ? { batchNorm: true } : {}),
          },
        });
      }
    }
  }
  return entries;
}

/** Training-set sizes for the quick (2,000 samples) and tiny (tests) modes. */
function reducedPlan(n) {
  const fast = { epochs: 1, trainLimit: n, testLimit: n / 2, accuracy: true, multiThreaded: true, warmupBatches: 1 };
  return {
    simdnn: fast,
    pytorch: fast,
    'tfjs-wasm': { epochs: 1, trainLimit: n / 2, accuracy: false, warmupBatches: 1 },
    'tfjs-cpu': { epochs: 1, trainLimit: n / 4, accuracy: false, warmupBatches: 1 },
    'brain.js': { epochs: 1, trainLimit: n / 8, accuracy: false, note: 'per-sample updates' },
  };
}

/** size: 'full' (the real figures), 'quick' (2,000 samples: checks the harness), 'tiny' (tests). */
export function trainSuite({ size = 'full' } = {}) {
  const sizes = [784, 256, 128, 10];
  // Full: 60,000 samples x 5 epochs for the fast ones (about 5-20 s a run);
  // the slow peers get one epoch on a subset sized to run about 5-10 s.
  const plan =
    size !== 'full'
      ? reducedPlan(size === 'quick' ? 2048 : 256)
      : {
          simdnn: { epochs: 5, accuracy: true, multiThreaded: true },
          pytorch: { epochs: 5, accuracy: true, multiThreaded: true },
          'tfjs-wasm': { epochs: 1, trainLimit: 12_800, accuracy: false },
          'tfjs-cpu': { epochs: 1, trainLimit: 3_840, accuracy: false },
          // Its Adam (praxis 'adam') is several times slower than its SGD.
          'brain.js': { epochs: 1, trainLimit: { sgd: 2_048, adam: 512 }, accuracy: false, note: 'per-sample updates' },
        };
  return {
    suite: 'train',
    size,
    title: 'Fashion-MNIST training, 784-256-128-10 ReLU, softmax cross-entropy, batch 128',
    runs: 3,
    notes: [
      'Training samples per second, timed around the training call(s) only (data already in memory, in each library’s own tensor type); each run first trains a throw-away model for a few batches.',
      'All competitors read the same float32 files (pixels / 255) and start from the same Glorot-uniform weights with zero biases.',
      `Test accuracy: after the epochs shown on the ${(plan.simdnn.testLimit ?? 10_000).toLocaleString('en-US')} test images (5 epochs on 10,000 in a full run).`,
      'dense–BN–relu (settings bn-adam-*): each hidden layer dense without activation, then batchNormalization (momentum 0.99, epsilon 1e-3; PyTorch BatchNorm1d momentum 0.01) and ReLU; the same dense initial weights, γ 1, β 0; PyTorch evaluates in eval() mode.',
      'PyTorch: its own training loop (index gather, F.cross_entropy on logits, zero_grad/backward/step), torch.set_num_threads, OMP_WAIT_POLICY=PASSIVE.',
      'TF.js: tf.layers model.fit; the cpu and wasm backends run one thread in Node, so only 1-thread settings; one epoch on a subset (the first samples of the training set).',
      'brain.js: one sample at a time (no batches), relu on the output layer, error against one-hot targets; SGD is momentum 1e-9 (it rejects 0), Adam is praxis "adam"; one epoch on a subset.',
    ],
    async prepare() {
      const dataDir = prepareFashionMnist();
      return { dataDir, initFile: prepareInitWeights(sizes, 1), sizes, trainSize: 60_000 };
    },
    entries: (shared) => [
      ...trainEntries({ shared, batchSize: 128, threads: [1, 2], plan }),
      // The dense–BN variant: each hidden dense layer linear, then batch normalization and ReLU.
      ...trainEntries({ shared, batchSize: 128, threads: [1, 2], plan, batchNorm: true }),
    ],
  };
}
