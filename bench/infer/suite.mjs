// The `infer` suite: the 784-256-128-10 network with fixed weights; batch-1
// latency (median of many single calls) and batch-256 throughput, at 1 and 2
// threads. simdnn's synchronous predict against onnxruntime-node running the
// ONNX file simdnn exports for the same weights, and TF.js holding them.
import { join } from 'node:path';
import { cacheDir, loadInitWeights, prepareFashionMnist, prepareInitWeights } from '../lib/data.mjs';

async function exportOnnx(sizes, initFile) {
  const file = join(cacheDir, `infer-${sizes.join('-')}.onnx`);
  try {
    const nn = await import('../../dist/index.js');
    const layers = [];
    for (let l = 1; l < sizes.length; l++)
      layers.push(
        nn.layers.dense({
          units: sizes[l],
          ...(l === 1 ? { inputDim: sizes[0] } : {}),
          activation: l === sizes.length - 1 ? 'softmax' : 'relu',
        }),
      );
    const model = nn.sequential(layers);
    model.build(sizes[0], 1);
    model.setWeights(loadInitWeights(initFile, sizes));
    await model.exportOnnx(file);
    return { file };
  } catch (e) {
    return { error: `model.exportOnnx failed: ${e.message.split('\n')[0]}` };
  }
}

/** size: 'full' (the real figures), 'quick' (a few hundred calls: checks the harness), 'tiny' (tests). */
export function inferSuite({ size = 'full' } = {}) {
  const sizes = [784, 256, 128, 10];
  const pick = (full, quick, tiny) => ({ full, quick, tiny })[size];
  const modes = [
    {
      batch: 1,
      metric: { key: 'latencyUs', unit: 'µs', label: 'batch-1 latency, µs', higherIsBetter: false },
      calls: pick(20_000, 200, 10),
      warmupCalls: pick(500, 20, 2),
      maxSeconds: pick(4, 1, 0.5),
    },
    {
      batch: 256,
      metric: {
        key: 'samplesPerSec',
        unit: 'samples/s',
        label: 'batch-256 throughput, samples/s',
        higherIsBetter: true,
      },
      calls: pick(2_000, 10, 2),
      warmupCalls: pick(20, 2, 1),
      maxSeconds: pick(4, 1, 0.5),
    },
  ];
  const competitors = [
    { competitor: 'simdnn', script: 'bench/infer/simdnn.mjs', multiThreaded: true, note: 'predict (sync)' },
    {
      competitor: 'onnxruntime',
      script: 'bench/infer/onnxruntime.mjs',
      multiThreaded: true,
      note: 'await session.run',
    },
    { competitor: 'tfjs-wasm', script: 'bench/infer/tfjs-wasm.mjs', note: 'predict + dataSync' },
    { competitor: 'tfjs-cpu', script: 'bench/infer/tfjs-cpu.mjs', note: 'predict + dataSync' },
  ];
  return {
    suite: 'infer',
    size,
    title: 'Inference, 784-256-128-10 ReLU + softmax: batch-1 latency and batch-256 throughput',
    runs: 5,
    notes: [
      'Batch 1: the median latency of single calls within a run (p10/p90 in the JSON), then the median over runs. Batch 256: samples per second over back-to-back calls.',
      'Each run stops after its call count or a few seconds, whichever comes first; a warm-up of a few hundred calls comes first.',
      'Inputs: the first Fashion-MNIST test images; weights: the same Glorot-uniform file for every competitor. The max |Δ| column compares the first output row with simdnn’s.',
      'onnxruntime-node: the file written by model.exportOnnx, intraOpNumThreads = threads, interOpNumThreads 1, sequential, all graph optimizations.',
      'TF.js: a tf.layers model with setWeights(tf.tensor(...)) of the same weights; cpu and wasm backends are single-threaded in Node.',
    ],
    async prepare() {
      const dataDir = prepareFashionMnist();
      const initFile = prepareInitWeights(sizes, 1);
      const onnx = await exportOnnx(sizes, initFile);
      return {
        dataDir,
        initFile,
        sizes,
        onnxFile: onnx.file,
        unavailable: onnx.error ? { onnxruntime: onnx.error } : {},
      };
    },
    entries(shared) {
      const entries = [];
      for (const mode of modes)
        for (const threads of [1, 2])
          for (const c of competitors) {
            if (threads > 1 && !c.multiThreaded) continue;
            entries.push({
              competitor: c.competitor,
              setting: `b${mode.batch}-${threads}t`,
              label: `batch ${mode.batch}, ${threads} thread${threads > 1 ? 's' : ''}`,
              kind: 'node',
              script: c.script,
              metric: mode.metric,
              note: c.note,
              params: {
                dataDir: shared.dataDir,
                initFile: shared.initFile,
                onnxFile: shared.onnxFile,
                sizes: shared.sizes,
                batch: mode.batch,
                threads,
                calls: mode.calls,
                warmupCalls: mode.warmupCalls,
                maxSeconds: mode.maxSeconds,
              },
            });
          }
      return entries;
    },
  };
}
