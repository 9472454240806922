// onnxruntime-node running the `cnn` suite's network from an ONNX file that
// takes [n, 28, 28, 1] and returns softmax probabilities (the file
// model.exportOnnx writes, or where simdnn cannot export this network, the
// one torch.onnx.export writes for the same weights: the suite says which):
// one session, intraOpNumThreads = threads, inter-op 1, sequential
// execution, all graph optimizations; each call awaits session.run.
import { requirePeer } from '../lib/peers.mjs';
import { timeCalls } from '../infer/common.mjs';
import { loadCnnInputs } from './common.mjs';

export async function run(p) {
  const ort = requirePeer('onnxruntime-node');
  const { infer: part } = loadCnnInputs(p);
  const session = await ort.InferenceSession.create(p.onnxFile, {
    intraOpNumThreads: p.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const x = part.x.slice(0, p.batch * part.features);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [p.batch, ...p.net.inputShape]) };
  const out = session.outputNames[0];
  const result = await timeCalls(p, async () => (await session.run(feeds))[out].data);
  await session.release?.();
  return result;
}
