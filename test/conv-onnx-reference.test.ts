// The exported ONNX file of a convolutional model, run in onnxruntime-node, gives
// the float64 reference's outputs (reference-conv.ts) for every conv/pooling case
// of the gradient tests and 150 random geometries: TensorFlow's asymmetric 'same'
// padding, average pooling over real cells, max pooling ignoring padding and the
// (h, w, c) order a dense layer sees after flatten all survive the NCHW graph.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { HAS_CONV_LAYERS, nnLayer, refLayers, weightShapes } from './conv-cases.js';
import { MODEL_CASES, SINGLE_LAYER_CASES, type Stack, randomStacks, stacksOf } from './conv-reference-cases.js';
import { rng } from './helpers.js';
import { ort, runOnnx } from './onnx-runtime.js';
import { refForward } from './reference-conv.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Exports the stack with random weights, runs it in onnxruntime and compares with the reference; returns failures. */
async function check(stack: Stack, seed: number, dir: string): Promise<string[]> {
  const r = rng(seed);
  const weights = weightShapes(stack.layers, stack.input).map((s) => {
    const scale = s.length === 1 ? 0.3 : 1.7 / Math.sqrt(prod(s) / s[s.length - 1]!);
    return Float32Array.from({ length: prod(s) }, () => scale * r());
  });
  const xShape = [stack.batch, ...stack.input];
  const x = Float32Array.from({ length: prod(xShape) }, () => r());
  const want = refForward(refLayers(stack.layers, weights), { data: Float64Array.from(x), shape: xShape }).output;
  const model = nn.sequential(stack.layers.map((s, i) => nnLayer(s, i === 0 ? stack.input : undefined)));
  model.setWeights(weights);
  const file = join(dir, `model-${seed}.onnx`);
  await model.exportOnnx(file);
  const got = await runOnnx(file, x, xShape);
  if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(want.shape))
    return [`${stack.name}: onnxruntime output shape [${got.dims.join(', ')}], expected [${want.shape.join(', ')}]`];
  for (let i = 0; i < want.data.length; i++)
    if (!(Math.abs(got.data[i]! - want.data[i]!) <= 2e-5 * (1 + Math.abs(want.data[i]!))))
      return [`${stack.name}: onnxruntime output [${i}] ${got.data[i]}, expected ${want.data[i]}`];
  return [];
}

const reason = !ort
  ? ': skipped, onnxruntime-node is not installed'
  : !HAS_CONV_LAYERS
    ? ': skipped, nn.layers has no conv layers in this build'
    : '';

describe.skipIf(reason !== '')(`exported conv models in onnxruntime against the float64 reference${reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-convref-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const groups: [string, Stack[]][] = [
    ['every single-layer case (first layer and after a 1x1 conv)', SINGLE_LAYER_CASES.flatMap(stacksOf)],
    ['whole stacks (dense after flatten and after reshape)', MODEL_CASES.map((m) => ({ ...m, batch: 3 }))],
    ['150 random geometries', randomStacks(150, 91)],
  ];
  let seed = 1;
  for (const [title, stacks] of groups)
    it(`${title}: ${stacks.length} models`, async () => {
      const failures: string[] = [];
      for (const s of stacks) failures.push(...(await check(s, seed++, dir)));
      expect(failures, failures.join('\n')).toEqual([]);
    }, 120_000);
});
