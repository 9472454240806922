// ONNX export: the file runs in onnxruntime-node (CPU) and matches
// model.predict within 1e-5 (absolute + relative) for every activation.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activation, dense, dropout } from '../lib/layers.js';
import { Sequential } from '../lib/model.js';
import { ACTIVATIONS } from '../lib/names.js';
import { tensor } from '../lib/tensor.js';
import { modelProto } from '../lib/io/onnx-proto.js';
import { ort, runOnnx, warnIfNoOrt } from './onnx-runtime.js';

warnIfNoOrt('io-onnx');

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const diff = Math.abs(actual[i]! - e);
    if (!(diff <= tol + tol * Math.abs(e)))
      expect.fail(`output ${i}: onnxruntime ${actual[i]} vs predict ${e} (|diff| ${diff})`);
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-onnx-'));

describe('exportOnnx', () => {
  it('writes ir_version 8, opset 17, input/output named with a batch dimension', async () => {
    const m = new Sequential([
      dense({ units: 3, inputDim: 5, activation: 'gelu' }),
      dense({ units: 2, activation: 'softmax' }),
    ]);
    const file = join(tmp(), 'm.onnx');
    await m.exportOnnx(file);
    const Model = modelProto();
    const decoded = Model.toObject(Model.decode(readFileSync(file)), { longs: Number }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ version: 17 }]);
    const g = decoded.graph;
    expect(g.input[0].name).toBe('input');
    expect(g.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 5 }]);
    expect(g.output[0].name).toBe('output');
    expect(g.node.map((n: { opType: string }) => n.opType)).toEqual([
      'Gemm',
      'Div',
      'Erf',
      'Add',
      'Mul',
      'Mul',
      'Gemm',
      'Softmax',
    ]);
    expect(g.initializer.find((t: { name: string }) => t.name === 'dense_0/kernel').dims).toEqual([5, 3]);
  });

  it.skipIf(!ort)('runs in onnxruntime with the outputs of predict, for every activation', async () => {
    const dir = tmp();
    const networks: [string, Sequential][] = ACTIVATIONS.map((act, k) => [
      act,
      new Sequential([
        dense({ units: 16, inputDim: 7, activation: act }),
        dropout({ rate: 0.3 }),
        dense({ units: 5, activation: act, useBias: k % 2 === 0 }),
      ]),
    ]);
    networks.push([
      'activation layers, no bias, linear head',
      new Sequential([
        dense({ units: 12, inputDim: 7, useBias: false }),
        activation({ activation: 'gelu' }),
        dense({ units: 9, activation: 'leakyRelu' }),
        activation({ activation: 'softplus' }),
        dense({ units: 4 }),
        activation({ activation: 'softmax' }),
      ]),
    ]);
    networks.push(['one linear layer', new Sequential([dense({ units: 1, inputDim: 7 })])]);
    for (const [name, m] of networks) {
      m.build(7, 42);
      // Wider weights than the default initialization, to reach the saturated ranges too.
      m.setWeights(m.getWeights().map((w, i) => rand(w.length, 100 + i, 1.5)));
      const rows = 33;
      const x = rand(rows * 7, name.length + 7, 3);
      const file = join(dir, `${name.replace(/\W+/g, '_')}.onnx`);
      await m.exportOnnx(file);
      const expected = m.predict(tensor(new Float32Array(x), [rows, 7])).data;
      const actual = (await runOnnx(file, x, [rows, 7])).data;
      expectClose(actual, expected);
    }
    expect(readdirSync(dir).every((f) => f.endsWith('.onnx'))).toBe(true);
  });
});
