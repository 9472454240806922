// onnxruntime-node running the ONNX file simdnn exported (model.exportOnnx)
// for the same weights: one session, intraOpNumThreads = threads, inter-op 1,
// sequential execution, all graph optimizations; each call awaits session.run.
import { requirePeer } from '../lib/peers.mjs';
import { loadInferInputs, timeCalls } from './common.mjs';

export async function run(p) {
  const ort = requirePeer('onnxruntime-node');
  const { x, features } = loadInferInputs(p);
  const session = await ort.InferenceSession.create(p.onnxFile, {
    intraOpNumThreads: p.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [p.batch, features]) };
  const out = session.outputNames[0];
  const result = await timeCalls(p, async () => (await session.run(feeds))[out].data);
  await session.release?.();
  return result;
}
