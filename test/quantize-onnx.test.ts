// QDQ ONNX export of quantized models: the graph is QuantizeLinear / DequantizeLinear with int8 per-axis
// weights (opset >= 13), and onnxruntime-node runs it with the argmax of the quantized predict on >= 99% of
// rows and outputs within a stated bound of it (1e-5 static, 0.08 dynamic), for an MLP, a CNN (conv2d, folded batch normalization,
// pooling) and a conv1d model, static and dynamic.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../lib/index.js';
import { modelProto } from '../lib/io/onnx-proto.js';
import { randomArray, rng } from './helpers.js';
import { ort, runOnnx, warnIfNoOrt } from './onnx-runtime.js';

warnIfNoOrt('quantize-onnx');

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-qonnx-'));

const runTensor = async (file: string, x: nn.Tensor) => (await runOnnx(file, x.data, x.shape)).data;

function argmaxAgreement(a: Float32Array, b: Float32Array, cols: number): number {
  let same = 0;
  const rows = a.length / cols;
  for (let r = 0; r < rows; r++) {
    let ia = 0,
      ib = 0;
    for (let j = 1; j < cols; j++) {
      if (a[r * cols + j]! > a[r * cols + ia]!) ia = j;
      if (b[r * cols + j]! > b[r * cols + ib]!) ib = j;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Decoded = Record<string, any>;
function decode(file: string): Decoded {
  const Model = modelProto();
  return Model.toObject(Model.decode(readFileSync(file)), { longs: Number }) as Decoded;
}

const L = nn.layers;
/**
 * How far onnxruntime's probabilities may be from predict's. Static: the same integers (every 8-bit value
 * equal; only the float steps round differently). Dynamic: the bias is rounded to accumulator units by predict
 * and not by the file, so an 8-bit value may differ by one and the difference grows through the layers.
 */
const BOUND = { static: 1e-5, dynamic: 0.08 } as const;

describe('QuantizedModel.exportOnnx of an MLP trained on the digits', () => {
  const { x, y } = nn.datasets.digits();
  const model = nn.sequential([
    L.dense({ units: 64, inputDim: 64, activation: 'relu' }),
    L.dropout({ rate: 0.1 }),
    L.dense({ units: 32, activation: 'relu' }),
    L.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  const calib = nn.tensor(x.data.slice(0, 500 * 64), [500, 64]);
  beforeAll(async () => {
    await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0, seed: 1 });
  });

  it('writes QDQ nodes, opset >= 13, int8 weights with one scale per output unit (axis 1)', async () => {
    const q = await model.quantize({ calibration: calib });
    const file = join(tmp(), 'mlp.onnx');
    await q.exportOnnx(file);
    const m = decode(file);
    expect(m.opsetImport[0].version).toBeGreaterThanOrEqual(13);
    const g = m.graph;
    expect(g.input[0].name).toBe('input');
    expect(g.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 64 }]);
    expect(g.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 10 }]);
    const ops: string[] = g.node.map((n: { opType: string }) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear').length).toBe(3); // the input and two hidden outputs
    expect(ops.filter((o) => o === 'Gemm').length).toBe(3);
    const byName = new Map<string, Decoded>(g.initializer.map((t: Decoded) => [t.name, t]));
    const weightDq = g.node.filter(
      (n: Decoded) => n.opType === 'DequantizeLinear' && byName.get(n.input[0])?.dataType === 3,
    );
    expect(weightDq.length).toBe(3);
    expect(weightDq.map((n: Decoded) => byName.get(n.input[0])!.dims)).toEqual([
      [64, 64],
      [64, 32],
      [32, 10],
    ]);
    for (const n of weightDq) {
      expect(n.attribute).toEqual([{ name: 'axis', type: 2, i: 1 }]);
      expect(byName.get(n.input[1])!.dims).toEqual(byName.get(n.input[0])!.dims.slice(1));
    }
    // Static biases are int32 (dataType 6) in accumulator units.
    const biasDq = g.node.filter(
      (n: Decoded) => n.opType === 'DequantizeLinear' && byName.get(n.input[0])?.dataType === 6,
    );
    expect(biasDq.length).toBe(3);
  });

  for (const mode of ['static', 'dynamic'] as const)
    for (const perChannel of [true, false])
      it.skipIf(!ort)(
        `${mode}, ${perChannel ? 'per channel' : 'per tensor'}: onnxruntime gives the argmax of predict on >= 99% of rows, probabilities within ${BOUND[mode]}`,
        async () => {
          const q = await model.quantize({ calibration: calib, mode, perChannel });
          const file = join(tmp(), 'mlp.onnx');
          await q.exportOnnx(file);
          const ours = q.predict(x).data;
          const theirs = await runTensor(file, x);
          expect(theirs.length).toBe(ours.length);
          expect(argmaxAgreement(theirs, ours, 10)).toBeGreaterThanOrEqual(0.99);
          expect(maxAbsDiff(theirs, ours)).toBeLessThan(BOUND[mode]);
        },
      );
});

describe('QuantizedModel.exportOnnx of convolutional models', () => {
  it.skipIf(!ort)(
    'a CNN on the digits (conv2d + folded BN + ReLU layer, max pool, strided same conv, avg pool, dense): same argmax on >= 99% of rows, probabilities within 1e-5 (static) / 0.08 (dynamic)',
    async () => {
      const { x: flat, y } = nn.datasets.digits();
      const n = flat.shape[0]!;
      const x = flat.reshape([n, 8, 8, 1]);
      const model = nn.sequential([
        L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1] }),
        L.batchNormalization(),
        L.activation({ activation: 'relu' }),
        L.maxPooling2d({ poolSize: 2 }),
        L.conv2d({ filters: 12, kernelSize: [3, 2], padding: 'same', strides: 2, activation: 'relu' }),
        L.averagePooling2d({ poolSize: 2, padding: 'same' }),
        L.flatten(),
        L.dense({ units: 10, activation: 'softmax' }),
      ]);
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, seed: 2 });
      const calib = nn.tensor(x.data.slice(0, 300 * 64), [300, 8, 8, 1]);
      for (const mode of ['static', 'dynamic'] as const) {
        const q = await model.quantize({ calibration: calib, mode });
        const file = join(tmp(), `cnn-${mode}.onnx`);
        await q.exportOnnx(file);
        const g = decode(file).graph;
        const ops: string[] = g.node.map((o: { opType: string }) => o.opType);
        expect(ops.filter((o) => o === 'Conv').length).toBe(2);
        const convW = g.initializer.filter((t: Decoded) => t.dataType === 3 && t.dims.length === 4);
        expect(convW.map((t: Decoded) => t.dims)).toEqual([
          [8, 1, 3, 3],
          [12, 8, 3, 2],
        ]);
        const ours = q.predict(x).data;
        const theirs = await runTensor(file, x);
        expect(argmaxAgreement(theirs, ours, 10), mode).toBeGreaterThanOrEqual(0.99);
        expect(maxAbsDiff(theirs, ours), mode).toBeLessThan(BOUND[mode]);
      }
    },
  );

  it.skipIf(!ort)(
    'conv1d with global pooling and a linear head (a 2-D window of height 1): outputs within 2% of their range',
    async () => {
      const m = nn.sequential([
        L.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [23, 4] }),
        L.globalAveragePooling1d(),
        L.dense({ units: 3 }),
      ]);
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      m.build([23, 4], 2);
      const xs = nn.tensor(randomArray(41 * 92, rng(8)), [41, 23, 4]);
      for (const mode of ['static', 'dynamic'] as const) {
        const q = await m.quantize({ calibration: xs, mode });
        const file = join(tmp(), 'c1.onnx');
        await q.exportOnnx(file);
        const ours = q.predict(xs).data;
        let scale = 0;
        for (const v of ours) scale = Math.max(scale, Math.abs(v));
        expect(maxAbsDiff(await runTensor(file, xs), ours), mode).toBeLessThan(0.02 * scale + 1e-6);
      }
    },
  );

  it('rejects a file path that is not a non-empty string', async () => {
    const m = nn.sequential([L.dense({ units: 2, inputDim: 3 })]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build([3], 1);
    const q = await m.quantize({ calibration: nn.tensor(randomArray(12, rng(3)), [4, 3]) });
    await expect(q.exportOnnx('' as string)).rejects.toThrow(/file/);
  });
});
