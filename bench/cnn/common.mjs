// What every module of the `cnn` suite shares: the network (one description
// that simdnn, PyTorch and TF.js each build their own model from), its shapes,
// weight sizes and floating-point operations per sample, the data a run starts
// from, and the peak resident memory of the measuring process.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadPart, loadWeightList } from '../lib/data.mjs';

/** Fashion-MNIST 28x28x1 -> conv 32@3x3 relu -> maxpool 2 -> conv 64@3x3 relu -> maxpool 2 -> flatten -> dense 128 relu -> dense 10 softmax. */
export const NET = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

/**
 * The conv–BN–relu variant of NET: each conv without its activation, then batch normalization (Keras's
 * momentum 0.99, epsilon 1e-3; PyTorch's momentum 0.01) and a ReLU. Its conv and dense weights are NET's;
 * the batch normalizations start at γ 1, β 0, moving mean 0, moving variance 1 in every library.
 */
export const NET_BN = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 32, kernelSize: 3 },
    { type: 'batchNormalization', momentum: 0.99, epsilon: 1e-3 },
    { type: 'activation', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3 },
    { type: 'batchNormalization', momentum: 0.99, epsilon: 1e-3 },
    { type: 'activation', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

const size = (shape) => shape.reduce((a, b) => a * b, 1);

/**
 * Each layer's input and output shape (per sample, channels last), kernel and
 * bias shape and multiply-adds per sample ('valid' padding, stride 1,
 * pooling stride = pool size); the totals; the floating-point operations of a
 * forward pass and of a training step per sample. Training counts the forward
 * pass, the weight gradient of every conv and dense layer and the input
 * gradient of every such layer but the first (2 operations per multiply-add);
 * activations, pooling and the optimizer are not counted.
 */
export function describeNet(net = NET) {
  let shape = net.inputShape.slice();
  const layers = [];
  for (const l of net.layers) {
    const inShape = shape;
    let kernelShape = null;
    let macs = 0;
    if (l.type === 'conv2d') {
      const [h, w, c] = shape;
      const k = l.kernelSize;
      shape = [h - k + 1, w - k + 1, l.filters];
      kernelShape = [k, k, c, l.filters];
      macs = size(shape) * k * k * c;
    } else if (l.type === 'maxPooling2d') {
      const [h, w, c] = shape;
      shape = [Math.floor(h / l.poolSize), Math.floor(w / l.poolSize), c];
    } else if (l.type === 'batchNormalization' || l.type === 'activation') {
      // Same shape; their work is not counted in the FLOPs (as activations and pooling are not).
    } else if (l.type === 'flatten') {
      shape = [size(shape)];
    } else if (l.type === 'dense') {
      if (shape.length !== 1) throw new Error(`dense after ${shape.length}-D output: add a flatten`);
      kernelShape = [shape[0], l.units];
      macs = shape[0] * l.units;
      shape = [l.units];
    } else throw new Error(`unknown layer type ${l.type}`);
    layers.push({
      ...l,
      inShape,
      outShape: shape,
      kernelShape,
      biasShape: kernelShape ? [kernelShape[kernelShape.length - 1]] : null,
      macs,
    });
  }
  const weighted = layers.filter((l) => l.kernelShape);
  const forwardFlops = 2 * weighted.reduce((s, l) => s + l.macs, 0);
  const trainFlops = forwardFlops + 2 * weighted.reduce((s, l, i) => s + l.macs * (i === 0 ? 1 : 2), 0);
  const params = weighted.reduce((s, l) => s + size(l.kernelShape) + size(l.biasShape), 0);
  const activationsPerSample = size(net.inputShape) + layers.reduce((s, l) => s + size(l.outShape), 0);
  return {
    layers,
    weightLengths: weighted.flatMap((l) => [size(l.kernelShape), size(l.biasShape)]),
    forwardFlops,
    trainFlops,
    params,
    activationsPerSample,
    classes: shape[0],
  };
}

/** The Glorot fan-in and fan-out of each weighted layer (Keras's: a conv kernel counts kh·kw·in and kh·kw·filters). */
export function glorotLayers(net = NET) {
  return describeNet(net)
    .layers.filter((l) => l.kernelShape)
    .map((l) => {
      const ks = l.kernelShape;
      const receptive = ks.length === 4 ? ks[0] * ks[1] : 1;
      return {
        kernel: size(ks),
        bias: ks[ks.length - 1],
        fanIn: receptive * ks[ks.length - 2],
        fanOut: receptive * ks[ks.length - 1],
      };
    });
}

/** Params from the suite: dataDir, initFile, net, trainLimit, testLimit, measureAccuracy, batch (inference). */
export function loadCnnInputs(p) {
  const d = describeNet(p.net);
  const train = p.mode === 'train' ? loadPart(p.dataDir, 'train', p.trainLimit) : null;
  const test = p.measureAccuracy ? loadPart(p.dataDir, 'test', p.testLimit) : null;
  const infer = p.mode === 'infer' ? loadPart(p.dataDir, 'test', p.batch) : null;
  return { d, train, test, infer, init: loadWeightList(p.initFile, d.weightLengths) };
}

/** Predicts `x` ([n, ...sample] row-major) in chunks of `chunk` rows with predict(xChunk, rows) -> Float32Array; all outputs. */
export async function predictInChunks(x, n, classes, predict, chunk = 500) {
  const per = x.length / n;
  const out = new Float32Array(n * classes);
  for (let s = 0; s < n; s += chunk) {
    const rows = Math.min(chunk, n - s);
    out.set(await predict(x.subarray(s * per, (s + rows) * per), rows), s * classes);
  }
  return out;
}

function statusKiB(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
}

/**
 * Resets the process's peak resident set (Linux: "5" > /proc/self/clear_refs)
 * and returns the resident set now, in MiB (null where Linux's interface is missing).
 */
export function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return statusKiB('VmRSS') / 1024;
  } catch {
    return null;
  }
}

/** The peak resident set since the last reset, in MiB (null where unavailable). */
export function peakRss() {
  try {
    return statusKiB('VmHWM') / 1024;
  } catch {
    return null;
  }
}
