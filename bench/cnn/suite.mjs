// The `cnn` suite: Fashion-MNIST 28x28x1 -> conv 32@3x3 relu -> maxpool 2 ->
// conv 64@3x3 relu -> maxpool 2 -> flatten -> dense 128 relu -> dense 10
// softmax (bench/cnn/common.mjs: NET), batch 128, Adam 1e-3. Training
// samples/s at 1 and 2 threads (simdnn, PyTorch NCHW and channels_last;
// TF.js wasm and cpu at 1 thread, one epoch on a subset), test accuracy after
// the same training, peak resident memory while training; inference batch-1
// latency and batch-256 throughput (simdnn, onnxruntime-node, PyTorch in both
// layouts); GFLOP/s and the share of the FMA peak, which the suite measures
// first (bench/gemm/peak.h, as bench:gemm does).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measureFmaPeak } from '../gemm/peak.mjs';
import { cacheDir, loadWeightList, prepareFashionMnist, prepareGlorotWeights } from '../lib/data.mjs';
import { RESULT_PREFIX, runChild } from '../lib/harness.mjs';
import { missingPeer, peerVersion, python, root } from '../lib/peers.mjs';
import { NET, NET_BN, describeNet, glorotLayers } from './common.mjs';

const MiB = 2 ** 20;

/** Why simdnn cannot build this network (its layers are missing from this build), or null. */
async function simdnnMissing() {
  try {
    const nn = await import('../../dist/index.js');
    const missing = ['conv2d', 'maxPooling2d', 'flatten'].filter((l) => typeof nn.layers[l] !== 'function');
    return missing.length ? `nn.layers.${missing.join(', nn.layers.')} not in this build of simdnn` : null;
  } catch (e) {
    return `simdnn does not load: ${e.message.split('\n')[0]}`;
  }
}

/** Why a TF.js backend cannot train this network (kernels it lacks), or null. */
async function tfjsCannotTrain(competitor) {
  if (missingPeer(competitor)) return null; // reported as not installed
  const r = await runChild({ script: `bench/cnn/${competitor}.mjs`, params: { mode: 'probe' }, timeoutMs: 120_000 });
  if (r.error) return `could not load: ${r.error.split('\n')[0]}`;
  if (!r.missingKernels.length) return null;
  const pkg = competitor === 'tfjs-wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs';
  return `${pkg} ${peerVersion(pkg)} registers no ${r.missingKernels.join(', ')} kernel for its backend: it cannot train a conv2d layer`;
}

/**
 * The ONNX file onnxruntime runs: the one simdnn's model.exportOnnx writes for
 * the shared weights, or where that fails, the one torch.onnx.export writes
 * for the same weights and the same [n, h, w, c] input (bench/cnn/pytorch.py).
 */
async function onnxFile(shared) {
  const why = [];
  if (!shared.unavailable.simdnn) {
    const file = join(cacheDir, 'cnn-simdnn.onnx');
    try {
      const nn = await import('../../dist/index.js');
      const { makeModel } = await import('./simdnn.mjs');
      const model = makeModel(NET, loadWeightList(shared.initFile, describeNet().weightLengths));
      await model.exportOnnx(file);
      return { file, source: 'simdnn model.exportOnnx', simdnn: nn.info().version };
    } catch (e) {
      why.push(`model.exportOnnx failed: ${e.message.split('\n')[0]}`);
    }
  } else why.push(shared.unavailable.simdnn);
  const file = join(cacheDir, 'cnn-pytorch.onnx');
  rmSync(file, { force: true });
  const params = { mode: 'export', initFile: shared.initFile, net: NET, onnxFile: file };
  const r = existsSync(python)
    ? spawnSync(python, [join(root, 'bench/cnn/pytorch.py'), JSON.stringify(params)], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
      })
    : { status: null, stderr: `${python} not found` };
  if (r.status === 0 && r.stdout.includes(RESULT_PREFIX) && existsSync(file))
    return { file, source: `torch.onnx.export (opset 13), because simdnn could not export: ${why.join('; ')}` };
  return {
    error: `no ONNX file: ${why.join('; ')}; torch.onnx.export failed: ${(r.stderr || '').trim().split('\n').pop()}`,
  };
}

/** size: 'full' (the real figures), 'quick' (small sizes: checks the harness), 'tiny' (tests). */
export function cnnSuite({ size = 'full' } = {}) {
  const d = describeNet();
  const pick = (full, quick, tiny) => ({ full, quick, tiny })[size];
  const batchSize = 128;
  // Training: simdnn and PyTorch train the same subset for the same epochs and
  // report accuracy on the same test images; the TF.js backends train one
  // epoch on a smaller subset sized to take a few seconds.
  const fast = {
    epochs: 1,
    trainLimit: pick(7_680, 1_024, 256),
    testLimit: pick(10_000, 1_000, 128),
    accuracy: true,
    multiThreaded: true,
  };
  const plan = {
    simdnn: { ...fast },
    pytorch: { ...fast, layout: 'nchw', note: 'NCHW (default)' },
    'pytorch-channels-last': { ...fast, layout: 'channels_last', note: 'torch.channels_last' },
    'tfjs-wasm': { epochs: 1, trainLimit: pick(1_280, 256, 128), accuracy: false },
    // About a sample per second on a 2-core Zen 4: one batch, one run, and a warm-up of 8 samples.
    'tfjs-cpu': { epochs: 1, trainLimit: pick(128, 128, 8), accuracy: false, warmupSamples: pick(8, 8, 2), maxRuns: 1 },
  };
  const scripts = {
    simdnn: ['node', 'bench/cnn/simdnn.mjs'],
    'simdnn-direct': ['node', 'bench/cnn/simdnn.mjs'],
    pytorch: ['python', 'bench/cnn/pytorch.py'],
    'pytorch-channels-last': ['python', 'bench/cnn/pytorch.py'],
    'tfjs-wasm': ['node', 'bench/cnn/tfjs-wasm.mjs'],
    'tfjs-cpu': ['node', 'bench/cnn/tfjs-cpu.mjs'],
    onnxruntime: ['node', 'bench/cnn/onnxruntime.mjs'],
  };
  const inferModes = [
    {
      batch: 1,
      metric: { key: 'latencyUs', unit: 'µs', label: 'inference, batch-1 latency, µs', higherIsBetter: false },
      calls: pick(5_000, 200, 10),
      warmupCalls: pick(200, 20, 2),
      maxSeconds: pick(1, 0.5, 0.3),
    },
    {
      batch: 256,
      metric: {
        key: 'samplesPerSec',
        unit: 'samples/s',
        label: 'inference, batch-256 throughput, samples/s',
        higherIsBetter: true,
      },
      calls: pick(500, 5, 2),
      warmupCalls: pick(3, 1, 1),
      maxSeconds: pick(1, 0.5, 0.3),
    },
  ];
  const inferCompetitors = [
    { competitor: 'simdnn', note: 'predict (sync); conv 2 by Winograd F(2×2, 3×3)' },
    {
      competitor: 'simdnn-direct',
      note: 'predict (sync), SIMDNN_WINOGRAD=0: both convs direct',
      env: { SIMDNN_WINOGRAD: '0' },
    },
    { competitor: 'onnxruntime', note: 'await session.run' },
    { competitor: 'pytorch', layout: 'nchw', note: 'NCHW, inference_mode' },
    { competitor: 'pytorch-channels-last', layout: 'channels_last', note: 'channels_last, inference_mode' },
  ];
  const weightsBytes = d.params * 4;
  const batchActivationBytes = d.activationsPerSample * batchSize * 4;
  const notes = [
    `Network: ${d.layers.map((l) => `${l.type} → [${l.outShape.join(', ')}]`).join(', ')}; ${d.params.toLocaleString('en-US')} parameters; batch ${batchSize}, Adam (lr 1e-3), softmax cross-entropy.`,
    'conv–BN–relu ×2 (settings bn-adam-*): NET with each conv followed by batchNormalization (momentum 0.99, epsilon 1e-3; PyTorch BatchNorm2d momentum 0.01) and a ReLU instead of the conv’s own ReLU; the same conv and dense initial weights, γ 1, β 0, moving statistics 0 and 1.',
    'Inference: simdnn’s predict runs the second convolution (3×3, 32 → 64 channels) by Winograd F(2×2, 3×3), 2.36 instead of 4.46 MFLOP of products per sample; its GFLOP/s still counts the direct convolution’s operations (effective rate). simdnn-direct is the same predict with SIMDNN_WINOGRAD=0.',
    `Work per sample: ${(d.forwardFlops / 1e6).toFixed(2)} MFLOP forward, ${(d.trainFlops / 1e6).toFixed(2)} MFLOP per training sample (forward, every weight gradient, every input gradient but the first layer's; 2 per multiply-add; activations, pooling and the optimizer not counted). GFLOP/s = samples/s × that; % of peak: of the measured FMA peak of one core (bench/gemm/peak.h) × threads.`,
    'Training: samples per second, timed around the training call(s) only (data already in each library’s own tensor type); each run first trains a throw-away model for a few batches. All competitors read the same float32 files (pixels / 255) and start from the same Glorot-uniform weights with zero biases.',
    `Test accuracy after the training shown (simdnn and PyTorch: the same subset and epochs) on the first ${fast.testLimit.toLocaleString('en-US')} test images.`,
    `Peak RSS: the process's peak resident set from the warm-up to the end of the timed training (Linux VmHWM, reset through /proc/self/clear_refs just before the warm-up), with the resident set at that start (runtime, library and training data already loaded) in brackets: the difference is what training adds. For scale: weights + Adam state ${((3 * weightsBytes) / MiB).toFixed(1)} MiB, one batch's activations ${(batchActivationBytes / MiB).toFixed(1)} MiB.`,
    'PyTorch: its own training loop (index gather, F.cross_entropy on logits, zero_grad/backward/step), torch.set_num_threads, one inter-op thread, OMP_WAIT_POLICY=PASSIVE; channels_last: model and every batch converted with memory_format=torch.channels_last. Weights converted from simdnn’s layouts (kernels [kh, kw, in, out] → [out, in, kh, kw], the first dense layer’s rows from (h, w, c) to (c, h, w)).',
    'TF.js: a tf.layers model of the same layers and weights, model.fit; cpu and wasm backends run one thread in Node, so only 1-thread settings; one epoch on a subset (the first samples of the training set), accuracy not measured.',
    'Inference: batch 1, the median latency of single calls within a run (p10/p90 in the JSON); batch 256, samples per second over back-to-back calls; inputs are the first test images; max |Δ| compares the first output row with simdnn’s.',
  ];
  return {
    suite: 'cnn',
    size,
    title: 'Fashion-MNIST CNN (conv 32@3x3, pool, conv 64@3x3, pool, dense 128, dense 10), batch 128, Adam',
    runs: 3,
    notes,
    async prepare() {
      const dataDir = prepareFashionMnist();
      const initFile = prepareGlorotWeights('cnn', glorotLayers());
      const unavailable = {};
      const missing = await simdnnMissing();
      if (missing) unavailable.simdnn = missing;
      for (const c of ['tfjs-wasm', 'tfjs-cpu']) {
        const why = await tfjsCannotTrain(c);
        if (why) unavailable[c] = why;
      }
      const shared = { dataDir, initFile, unavailable };
      const onnx = await onnxFile(shared);
      if (onnx.error) unavailable.onnxruntime = onnx.error;
      else
        notes.push(
          `onnxruntime-node runs the file written by ${onnx.source}; intraOpNumThreads = threads, interOpNumThreads 1, sequential, all graph optimizations.`,
        );
      let peak;
      try {
        peak = await measureFmaPeak();
      } catch (e) {
        peak = { error: e.message.split('\n')[0] };
      }
      if (peak.error) notes.push(`FMA peak not measured: ${peak.error}`);
      else
        notes.push(
          `FMA peak of one core measured in this run: ${peak.best.toFixed(1)} GFLOP/s (ymm ${peak.ymm.toFixed(1)}${peak.zmm ? `, zmm ${peak.zmm.toFixed(1)}` : ''}).`,
        );
      return { ...shared, onnxFile: onnx.file, onnxSource: onnx.source ?? null, peak };
    },
    entries(shared) {
      const entries = [];
      const base = { dataDir: shared.dataDir, initFile: shared.initFile, net: NET, classes: d.classes };
      /** The parameters of a training entry with competitor plan `p` at `threads` threads. */
      const trainParams = (p, threads) => ({
        ...base,
        mode: 'train',
        layout: p.layout,
        lr: 1e-3,
        batchSize,
        epochs: p.epochs,
        threads,
        trainLimit: p.trainLimit,
        testLimit: p.testLimit ?? null,
        measureAccuracy: Boolean(p.accuracy),
        warmupBatches: size === 'full' ? 3 : 1,
        repeats: 1,
      });
      for (const threads of [1, 2])
        for (const [competitor, p] of Object.entries(plan)) {
          if (threads > 1 && !p.multiThreaded) continue;
          entries.push({
            competitor,
            setting: `adam-${threads}t`,
            label: `training, ${threads} thread${threads > 1 ? 's' : ''}`,
            kind: scripts[competitor][0],
            script: scripts[competitor][1],
            metric: { key: 'samplesPerSec', unit: 'samples/s', label: 'training samples/s', higherIsBetter: true },
            extraMetrics: ['peakRssMiB', 'rssAtStartMiB'],
            flopsPerSample: d.trainFlops,
            ...(p.maxRuns ? { maxRuns: p.maxRuns } : {}),
            accuracy: p.accuracy,
            accuracyNote: p.accuracy ? undefined : 'not measured (one epoch on a subset)',
            note: [`${p.trainLimit.toLocaleString('en-US')} samples`, `${p.epochs} epoch`, p.note]
              .filter(Boolean)
              .join(', '),
            params: {
              ...trainParams(p, threads),
              ...(p.warmupSamples ? { warmupSamples: p.warmupSamples } : {}),
            },
          });
        }
      // The conv–BN–relu variant (NET_BN, the same conv and dense weights): simdnn against PyTorch in training.
      for (const threads of [1, 2])
        for (const competitor of ['simdnn', 'pytorch', 'pytorch-channels-last']) {
          const p = plan[competitor];
          entries.push({
            competitor,
            setting: `bn-adam-${threads}t`,
            label: `conv–BN–relu ×2, training, ${threads} thread${threads > 1 ? 's' : ''}`,
            kind: scripts[competitor][0],
            script: scripts[competitor][1],
            metric: { key: 'samplesPerSec', unit: 'samples/s', label: 'training samples/s', higherIsBetter: true },
            extraMetrics: ['peakRssMiB', 'rssAtStartMiB'],
            flopsPerSample: describeNet(NET_BN).trainFlops,
            accuracy: p.accuracy,
            note: [`${p.trainLimit.toLocaleString('en-US')} samples`, `${p.epochs} epoch`, p.note, 'conv–BN–relu ×2']
              .filter(Boolean)
              .join(', '),
            params: { ...trainParams(p, threads), net: NET_BN },
          });
        }
      for (const mode of inferModes)
        for (const threads of [1, 2])
          for (const c of inferCompetitors)
            entries.push({
              competitor: c.competitor,
              setting: `b${mode.batch}-${threads}t`,
              label: `batch ${mode.batch}, ${threads} thread${threads > 1 ? 's' : ''}`,
              kind: scripts[c.competitor][0],
              script: scripts[c.competitor][1],
              metric: mode.metric,
              flopsPerSample: d.forwardFlops,
              note: c.note,
              ...(c.env ? { env: c.env } : {}),
              params: {
                ...base,
                mode: 'infer',
                layout: c.layout,
                onnxFile: shared.onnxFile,
                batch: mode.batch,
                threads,
                calls: mode.calls,
                warmupCalls: mode.warmupCalls,
                maxSeconds: mode.maxSeconds,
              },
            });
      return entries;
    },
    /** GFLOP/s and the share of the FMA peak of every row, from its median and the work per sample. */
    annotate(rows, shared) {
      for (const r of rows) {
        if (!r.median || !r.flopsPerSample) continue;
        const samplesPerSec = r.metric === 'latencyUs' ? (r.params.batch * 1e6) / r.median : r.median;
        r.gflops = (samplesPerSec * r.flopsPerSample) / 1e9;
        if (shared.peak?.best) r.pctOfPeak = (100 * r.gflops) / (shared.peak.best * r.params.threads);
      }
      return { fmaPeakGflopsPerCore: shared.peak ?? null, onnxSource: shared.onnxSource };
    },
  };
}
