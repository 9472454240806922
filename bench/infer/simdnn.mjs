// simdnn: the synchronous model.predict on a Float32Array batch.
import * as nn from '../../dist/index.js';
import { loadInferInputs, timeCalls } from './common.mjs';

export async function run(p) {
  nn.setThreads(p.threads);
  const { x, features, weights } = loadInferInputs(p);
  const layers = [];
  for (let l = 1; l < p.sizes.length; l++)
    layers.push(
      nn.layers.dense({
        units: p.sizes[l],
        ...(l === 1 ? { inputDim: features } : {}),
        activation: l === p.sizes.length - 1 ? 'softmax' : 'relu',
      }),
    );
  const model = nn.sequential(layers);
  model.build(features, 1);
  model.setWeights(weights);
  const input = nn.tensor(x, [p.batch, features]);
  const result = await timeCalls(p, () => model.predict(input).data);
  return { ...result, isa: nn.info().isa };
}
