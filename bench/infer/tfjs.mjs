// TensorFlow.js holding the same weights (tf.tensor from the weight file, in
// simdnn's getWeights() layout) in a tf.layers model; each call is
// model.predict + dataSync, tensors disposed. Single-threaded backends.
import { backendInfo, tfjsModel, tfjsWithBackend } from '../train/tfjs.mjs';
import { loadInferInputs, timeCalls } from './common.mjs';

export async function inferTfjs(backend, p) {
  const tf = await tfjsWithBackend(backend);
  const { x, features, weights } = loadInferInputs(p);
  const model = tfjsModel(tf, p.sizes, weights);
  const input = tf.tensor2d(x, [p.batch, features]);
  const result = await timeCalls(p, () => tf.tidy(() => model.predict(input).dataSync()));
  return { ...result, ...(await backendInfo(tf)) };
}
