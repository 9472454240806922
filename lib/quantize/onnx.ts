/**
 * quantizedModel.exportOnnx(file): the quantized model as QDQ ONNX (IR version 8, opset 17), the form
 * onnxruntime turns into its integer operators (QLinearConv, QGemm, QLinearMatMul). Input `input`
 * [batch, ...inputShape] float32 channels last, output `output` [batch, ...outputShape] float32, as the
 * float export.
 *
 * - Activations are uint8 tensors between QuantizeLinear and DequantizeLinear: static mode with the
 *   calibrated scale and zero point as constants, dynamic mode with DynamicQuantizeLinear (the same rule as
 *   predict: the batch's range widened to include 0).
 * - Weights are int8 initializers with one scale per output channel (per-axis DequantizeLinear: axis 1 of
 *   the Gemm's [k, units] kernel, axis 0 of the Conv's [f, in, kh, kw]); zero points 0.
 * - Biases, in static mode, are int32 in accumulator units (scale = input scale × weight scale, zero point 0)
 *   as onnxruntime's fusions expect; in dynamic mode (the input scale is known only at run time) float.
 * - Convolution and pooling run in NCHW: the uint8 values are transposed (and reshaped, for 1-D layers,
 *   which are 2-D windows of height 1) before them and back to channels last before a dense layer or the
 *   output, so the dense kernels keep their (h, w, c) row order.
 * - A fused ReLU is a Relu before the QuantizeLinear; pooling is MaxPool / AveragePool (count_include_pad 0)
 *   between DequantizeLinear and QuantizeLinear with the same parameters; the output activation in float.
 *
 * The file computes what predict computes up to float rounding in the requantization (an 8-bit value
 * may differ by one where a product lands on a rounding boundary) and predict's rounding of an average
 * the average of a pool (predict rounds the exact average half to even; onnxruntime its float average).
 */
import { typeError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import {
  type GraphBuilder,
  type Initializer,
  type Node,
  emitActivation,
  encodeModel,
  floatTensor,
  int64Tensor,
  windowPads,
} from '../io/onnx.js';
import { AttributeType, TensorDataType } from '../io/onnx-proto.js';
import { OP_KIND } from './plan.js';
import type { QuantizedModel } from './quantized-model.js';

interface Window {
  inH: number;
  inW: number;
  inC: number;
  kH?: number;
  kW?: number;
  sH?: number;
  sW?: number;
  dH?: number;
  dW?: number;
  same?: boolean;
}

function bytesTensor(name: string, dims: number[], dataType: number, raw: Uint8Array): Initializer {
  return { name, dims, dataType, rawData: raw };
}
const u8Scalar = (name: string, v: number) => bytesTensor(name, [], TensorDataType.UINT8, Uint8Array.of(v));
function int32Tensor(name: string, values: Int32Array): Initializer {
  const raw = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => raw.writeInt32LE(v, 4 * i));
  return bytesTensor(name, [values.length], TensorDataType.INT32, raw);
}

/** Round half to even (as the native epilogue's nearbyint). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A conv kernel [kh * kw * in, f] (row order kh, kw, in) as ONNX's [f, in, kh, kw]. */
function convKernelToOnnx(w: Int8Array, taps: number, inC: number, f: number): Int8Array {
  const out = new Int8Array(w.length);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < inC; c++) for (let o = 0; o < f; o++) out[(o * inC + c) * taps + t] = w[(t * inC + c) * f + o]!;
  return out;
}

/** The QDQ ONNX ModelProto bytes of `q`. */
export function quantizedOnnxBytes(q: QuantizedModel): Uint8Array {
  const d = q.description;
  const dynamic = d.mode === 'dynamic';
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  const graph: GraphBuilder = { nodes, initializers, fresh, constants: new Set() };
  const ints = (name: string, v: number[]) => ({ name, type: AttributeType.INTS, ints: v });
  const int = (name: string, v: number) => ({ name, type: AttributeType.INT, i: v });
  /** Appends a node with `outputs` fresh output names, returned. */
  const nodeOutputs = (
    opType: string,
    inputs: string[],
    base: string,
    attribute?: Node['attribute'],
    outputs = 1,
  ): string[] => {
    const out = Array.from({ length: outputs }, (_, k) => fresh(`${base}_${opType.toLowerCase()}${k || ''}`));
    nodes.push({
      opType,
      input: inputs,
      output: out,
      name: fresh(`${base}/${opType}`),
      ...(attribute ? { attribute } : {}),
    });
    return out;
  };
  const node = (opType: string, inputs: string[], base: string, attribute?: Node['attribute']): string =>
    nodeOutputs(opType, inputs, base, attribute)[0]!;

  // The current tensor: `cur`, uint8 (`u8`, quantized by `qp`: scale and zero-point tensor names) or float.
  let cur = 'input';
  let u8 = false;
  let qp = { scale: '', zp: '' };
  // Its layout: channels last ('cl', of rank `clRank` with the batch) or NCHW with sizes (h, w, c).
  let layout: { kind: 'cl'; rank: number } | { kind: 'nchw'; h: number; w: number; c: number } = {
    kind: 'cl',
    rank: 1 + d.inputShape.length,
  };
  const staticParams = (base: string, p: { scale: number; zeroPoint: number }) => {
    const scale = fresh(`${base}_scale`),
      zp = fresh(`${base}_zero_point`);
    initializers.push(floatTensor(scale, [], new Float32Array([p.scale])), u8Scalar(zp, p.zeroPoint));
    return { scale, zp };
  };
  const quantize = (base: string, params: { scale: string; zp: string }) => {
    cur = node('QuantizeLinear', [cur, params.scale, params.zp], base);
    qp = params;
    u8 = true;
  };
  const dynamicQuantize = (base: string) => {
    const [y, scale, zp] = nodeOutputs('DynamicQuantizeLinear', [cur], base, undefined, 3);
    cur = y!;
    qp = { scale: scale!, zp: zp! };
    u8 = true;
  };
  /** The current values as float (a DequantizeLinear when they are uint8); the state is unchanged. */
  const floatValues = (base: string) => (u8 ? node('DequantizeLinear', [cur, qp.scale, qp.zp], base) : cur);
  const toChannelsLast = (base: string) => {
    if (layout.kind !== 'nchw') return;
    cur = node('Transpose', [cur], base, [ints('perm', [0, 2, 3, 1])]);
    layout = { kind: 'cl', rank: 4 };
  };
  const toFlat = (base: string) => {
    toChannelsLast(base);
    if (layout.kind === 'cl' && layout.rank > 2) cur = node('Flatten', [cur], base, [int('axis', 1)]);
    layout = { kind: 'cl', rank: 2 };
  };
  const toNchw = (w: Window, base: string) => {
    if (layout.kind === 'nchw' && layout.h === w.inH && layout.w === w.inW && layout.c === w.inC) return;
    toChannelsLast(base);
    const shape = fresh(`${base}_shape`);
    initializers.push(int64Tensor(shape, [0, w.inH, w.inW, w.inC]));
    cur = node('Reshape', [cur, shape], base);
    cur = node('Transpose', [cur], base, [ints('perm', [0, 3, 1, 2])]);
    layout = { kind: 'nchw', h: w.inH, w: w.inW, c: w.inC };
  };
  const outSize = (w: Window) => {
    const k = [w.kH ?? 1, w.kW ?? 1],
      s = [w.sH ?? 1, w.sW ?? 1],
      dl = [w.dH ?? 1, w.dW ?? 1];
    const size = [w.inH, w.inW].map((n, i) =>
      w.same ? Math.ceil(n / s[i]!) : Math.floor((n - (k[i]! - 1) * dl[i]! - 1) / s[i]!) + 1,
    );
    return { k, s, dl, size, pads: windowPads([w.inH, w.inW], k, s, dl, w.same === true) };
  };

  // The input's quantization.
  if (dynamic) dynamicQuantize('input');
  else quantize('input', staticParams('input', d.input!));

  d.ops.forEach((op, i) => {
    const base = op.label.replace(/[^A-Za-z0-9_]+/g, '_');
    const last = i === d.ops.length - 1;
    const w = op.window as Window | undefined;
    switch (op.kind) {
      case OP_KIND.identity:
        break;
      case OP_KIND.relu: {
        const x = floatValues(base);
        const r = node('Relu', [x], base);
        cur = r;
        u8 = false;
        quantize(base, qp);
        break;
      }
      case OP_KIND.maxPool:
      case OP_KIND.avgPool: {
        const max = op.kind === OP_KIND.maxPool;
        toNchw(w!, base);
        const g = outSize(w!);
        const x = floatValues(base);
        const params = qp;
        cur = node(max ? 'MaxPool' : 'AveragePool', [x], base, [
          ints('kernel_shape', g.k),
          ints('strides', g.s),
          ints('pads', g.pads),
          ...(max ? [] : [int('count_include_pad', 0)]),
        ]);
        u8 = false;
        quantize(base, params);
        layout = { kind: 'nchw', h: g.size[0]!, w: g.size[1]!, c: w!.inC };
        break;
      }
      case OP_KIND.linear: {
        const units = op.units!;
        const conv = w!.kH !== undefined;
        const k = op.weights!.length / units;
        if (conv) toNchw(w!, base);
        else toFlat(base);
        const x = floatValues(base);
        // Weights: int8, per-axis scales, zero points 0.
        const wq = fresh(`${base}_kernel_int8`),
          ws = fresh(`${base}_kernel_scale`),
          wz = fresh(`${base}_kernel_zero_point`);
        const taps = (w!.kH ?? 1) * (w!.kW ?? 1);
        const kernel = conv ? convKernelToOnnx(op.weights!, taps, w!.inC, units) : op.weights!;
        const kDims = conv ? [units, w!.inC, w!.kH!, w!.kW!] : [k, units];
        initializers.push(
          bytesTensor(wq, kDims, TensorDataType.INT8, new Uint8Array(kernel.buffer, kernel.byteOffset, kernel.length)),
          floatTensor(ws, [units], op.weightScale!),
          bytesTensor(wz, [units], TensorDataType.INT8, new Uint8Array(units)),
        );
        const wf = node('DequantizeLinear', [wq, ws, wz], `${base}_kernel`, [int('axis', conv ? 0 : 1)]);
        // Bias: int32 in accumulator units (static), float (dynamic).
        let bias: string;
        if (dynamic) {
          bias = fresh(`${base}_bias`);
          initializers.push(floatTensor(bias, [units], op.bias!));
        } else {
          const inScale = u8 ? currentStaticScale() : 1;
          const bq = new Int32Array(units);
          const bs = new Float32Array(units);
          for (let j = 0; j < units; j++) {
            const acc = inScale * op.weightScale![j]!;
            bq[j] = Math.max(-2147483648, Math.min(2147483647, roundEven(op.bias![j]! / acc)));
            bs[j] = acc;
          }
          const bqName = fresh(`${base}_bias_int32`),
            bsName = fresh(`${base}_bias_scale`),
            bzName = fresh(`${base}_bias_zero_point`);
          initializers.push(
            int32Tensor(bqName, bq),
            floatTensor(bsName, [units], bs),
            int32Tensor(bzName, new Int32Array(units)),
          );
          bias = node('DequantizeLinear', [bqName, bsName, bzName], `${base}_bias`, [int('axis', 0)]);
        }
        if (conv) {
          const g = outSize(w!);
          cur = node('Conv', [x, wf, bias], base, [
            ints('kernel_shape', g.k),
            ints('strides', g.s),
            ints('dilations', g.dl),
            ints('pads', g.pads),
          ]);
          layout = { kind: 'nchw', h: g.size[0]!, w: g.size[1]!, c: units };
        } else {
          cur = node('Gemm', [x, wf, bias], base);
          layout = { kind: 'cl', rank: 2 };
        }
        u8 = false;
        const act = op.activation ?? 'linear';
        if (act === 'softmax') toChannelsLast(base); // softmax over the units of each position
        cur = emitActivation(graph, act, cur, base);
        if (last) break;
        if (dynamic) dynamicQuantize(`${base}_out`);
        else quantize(`${base}_out`, staticParams(`${base}_out`, op.out!));
        break;
      }
      default:
        throw typeError('a quantized op kind ONNX export supports', `op ${i} (${op.label})`, op.kind);
    }
  });
  cur = floatValues('output');
  toFlat('output');
  if (d.outputShape.length > 1) {
    const shape = fresh('output_shape');
    initializers.push(int64Tensor(shape, [0, ...d.outputShape]));
    cur = node('Reshape', [cur, shape], 'output');
  }
  nodes.push({ opType: 'Identity', input: [cur], output: ['output'], name: 'output/Identity' });

  function currentStaticScale(): number {
    const init = initializers.find((t) => t.name === qp.scale)!;
    return Buffer.from(init.rawData).readFloatLE(0);
  }

  return encodeModel('simdnn_quantized', nodes, initializers, d.inputShape, d.outputShape);
}

/** Writes the QDQ ONNX model of `q` to `file` (atomically: temp file, then rename). */
export async function exportQuantizedOnnx(q: QuantizedModel, file: string): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) throw typeError('a file path (a non-empty string)', 'file', file);
  await writeFileAtomic(file, quantizedOnnxBytes(q));
}
