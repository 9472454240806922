/**
 * model.exportOnnx(file): an ONNX model (IR version 8, opset 17) of the
 * inference graph. Input `input` [batch, ...inputShape] float32 (channels
 * last, as the model takes it), output `output` [batch, ...outputShape].
 * Convolution and pooling run in ONNX's NCHW: the graph transposes to it
 * before the first such layer and back to channels last before a layer that
 * needs the (h, w, c) order (flatten, reshape, dense, the output), so the
 * file computes exactly what the model does. A conv kernel [kh, kw, in, f] is
 * written as ONNX's [f, in, kh, kw]; 'same' padding as explicit pads
 * (TensorFlow's rule: the smaller half before); average pooling does not
 * count padded cells (count_include_pad 0); global pooling is followed by a
 * Flatten.
 * Each dense layer is a Gemm (initializers as little-endian raw_data), its
 * activation the matching ONNX operator: Relu, LeakyRelu (alpha 0.01),
 * Elu (alpha 1), Sigmoid, Tanh, Softmax (axis -1), Softplus; gelu is written
 * in its exact erf form 0.5 * x * (1 + Erf(x / sqrt 2)), since Gelu only
 * exists from opset 20. Dropout is the identity at inference and is left out.
 * A batch normalization right after a dense or conv layer without activation
 * is folded into that layer's kernel and bias (as predict does: kernel
 * columns times γ/sqrt(σ² + ε), bias (b − μ)·that + β, in float32); any
 * other is a BatchNormalization node over axis 1 (NCHW, the moving statistics
 * as its mean and variance). A layer normalization is LayerNormalization
 * (axis -1, on channels-last data). An absent γ is written as ones, an
 * absent β as zeros.
 */
import type { LayerConfig } from '../layers/base.js';
import type { Sequential } from '../model.js';
import type { ActivationName } from '../names.js';
import { typeError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { LIBRARY_VERSION, weightNames, writeFloats } from './format.js';
import { AttributeType, TensorDataType, modelProto } from './onnx-proto.js';

export const IR_VERSION = 8;
export const OPSET = 17;

export interface Node {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute?: { name: string; type: number; f?: number; i?: number; ints?: number[] }[];
}
export interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export function floatTensor(name: string, dims: number[], values: Float32Array): Initializer {
  const raw = Buffer.alloc(values.byteLength);
  writeFloats(raw, 0, values);
  return { name, dims, dataType: TensorDataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, values: number[]): Initializer {
  const raw = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), 8 * i));
  return { name, dims: [values.length], dataType: TensorDataType.INT64, rawData: raw };
}

/** A conv kernel [kh, kw, in, f] (conv1d [k, in, f]) as ONNX's [f, in, kh, kw] ([f, in, k]). */
function convKernelToOnnx(w: Float32Array, shape: number[]): Float32Array {
  const spatial = shape.slice(0, -2);
  const inC = shape[shape.length - 2]!;
  const f = shape[shape.length - 1]!;
  const taps = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(w.length);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < inC; c++) for (let o = 0; o < f; o++) out[(o * inC + c) * taps + t] = w[(t * inC + c) * f + o]!;
  return out;
}

/**
 * Batch normalization's inference transform y = x·a + t per channel, from its weights starting at `w`
 * ([gamma?, beta?, movingMean, movingVariance]), computed in float32 as the native layer does.
 */
function batchNormAffine(
  l: LayerConfig,
  weights: Float32Array[],
  w: number,
): { a: Float32Array; t: Float32Array; count: number } {
  let k = w;
  const gamma = l.scale !== false ? weights[k++]! : undefined;
  const beta = l.center !== false ? weights[k++]! : undefined;
  const mean = weights[k++]!;
  const variance = weights[k++]!;
  const eps = Math.fround(l.epsilon ?? 1e-3);
  const c = mean.length;
  const a = new Float32Array(c);
  const t = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const inv = Math.fround(1 / Math.fround(Math.sqrt(Math.fround(variance[j]! + eps))));
    a[j] = gamma ? Math.fround(gamma[j]! * inv) : inv;
    t[j] = Math.fround((beta ? beta[j]! : 0) - Math.fround(mean[j]! * a[j]!));
  }
  return { a, t, count: k - w };
}

/** A dense or conv layer's kernel and bias with a following batch normalization folded in. */
function foldBatchNorm(
  kernel: Float32Array,
  bias: Float32Array | undefined,
  bn: { a: Float32Array; t: Float32Array },
): { kernel: Float32Array; bias: Float32Array } {
  const c = bn.a.length;
  const k = new Float32Array(kernel.length);
  for (let j = 0; j < kernel.length; j++) k[j] = Math.fround(kernel[j]! * bn.a[j % c]!);
  const b = new Float32Array(c);
  for (let j = 0; j < c; j++) b[j] = Math.fround(Math.fround((bias ? bias[j]! : 0) * bn.a[j]!) + bn.t[j]!);
  return { kernel: k, bias: b };
}

/** ONNX pads [begin..., end...] for a window, by TensorFlow's rule. */
export function windowPads(
  input: number[],
  kernel: number[],
  strides: number[],
  dilation: number[],
  same: boolean,
): number[] {
  if (!same) return [...input.map(() => 0), ...input.map(() => 0)];
  const total = input.map((d, i) => {
    const out = Math.ceil(d / strides[i]!);
    return Math.max((out - 1) * strides[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - d, 0);
  });
  return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
}

/** What the exporters share while they build a graph: its nodes, initializers and fresh names. */
export interface GraphBuilder {
  nodes: Node[];
  initializers: Initializer[];
  fresh: (base: string) => string;
  /** Names of shared constant initializers already added. */
  constants: Set<string>;
}

/**
 * Appends the ONNX nodes of activation `act` (softmax over the last axis) applied to tensor `input`;
 * returns the name of the result (`input` itself for linear).
 */
export function emitActivation(g: GraphBuilder, act: ActivationName, input: string, base: string): string {
  if (act === 'linear') return input;
  const { nodes, initializers, fresh } = g;
  const out = fresh(`${base}_${act}`);
  const node = (opType: string, inputs: string[], output: string, attribute?: Node['attribute']) =>
    nodes.push({
      opType,
      input: inputs,
      output: [output],
      name: fresh(`${base}/${opType}`),
      ...(attribute ? { attribute } : {}),
    });
  switch (act) {
    case 'relu':
      node('Relu', [input], out);
      break;
    case 'leakyRelu':
      node('LeakyRelu', [input], out, [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.01 }]);
      break;
    case 'elu':
      node('Elu', [input], out, [{ name: 'alpha', type: AttributeType.FLOAT, f: 1 }]);
      break;
    case 'sigmoid':
      node('Sigmoid', [input], out);
      break;
    case 'tanh':
      node('Tanh', [input], out);
      break;
    case 'softmax':
      node('Softmax', [input], out, [{ name: 'axis', type: AttributeType.INT, i: -1 }]);
      break;
    case 'softplus':
      node('Softplus', [input], out);
      break;
    case 'gelu': {
      if (!g.constants.has('gelu')) {
        initializers.push(
          floatTensor('gelu_sqrt2', [], new Float32Array([Math.SQRT2])),
          floatTensor('gelu_one', [], new Float32Array([1])),
          floatTensor('gelu_half', [], new Float32Array([0.5])),
        );
        g.constants.add('gelu');
      }
      const scaled = fresh(`${base}_gelu_div`);
      const erf = fresh(`${base}_gelu_erf`);
      const plus = fresh(`${base}_gelu_add`);
      const times = fresh(`${base}_gelu_mul`);
      node('Div', [input, 'gelu_sqrt2'], scaled);
      node('Erf', [scaled], erf);
      node('Add', [erf, 'gelu_one'], plus);
      node('Mul', [input, plus], times);
      node('Mul', [times, 'gelu_half'], out);
      break;
    }
    default:
      throw typeError('an activation ONNX export supports', `the activation of layer "${base}"`, act);
  }
  return out;
}

/** The ONNX ModelProto bytes of `model`'s inference graph. */
/**
 * The serialized ModelProto of a graph whose float input `input` and output `output` have a free batch
 * dimension before the given sample shapes.
 */
export function encodeModel(
  graphName: string,
  nodes: Node[],
  initializers: Initializer[],
  inputShape: readonly number[],
  outputShape: readonly number[],
): Uint8Array {
  const tensorType = (shape: readonly number[]) => ({
    tensorType: {
      elemType: TensorDataType.FLOAT,
      shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] },
    },
  });
  const message = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'simdnn',
    producerVersion: LIBRARY_VERSION,
    graph: {
      name: graphName,
      node: nodes,
      initializer: initializers,
      input: [{ name: 'input', type: tensorType(inputShape) }],
      output: [{ name: 'output', type: tensorType(outputShape) }],
    },
  };
  const Model = modelProto();
  return Model.encode(Model.fromObject(message)).finish();
}

export function onnxBytes(model: Sequential): Uint8Array {
  const weights = model.getWeights(); // builds the model if needed
  const shapes = model.weightShapes();
  const description = model.toJSON();
  // Initializer names must be unique in the graph: repeated layer names get a suffix.
  const seen = new Set<string>(['input', 'output']);
  const names = weightNames(description.layers, model.inputShape!).map((n, i) => {
    const unique = seen.has(n) ? `${n}_${i}` : n;
    seen.add(unique);
    return unique;
  });
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let current = 'input';
  let w = 0;
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;

  const graph: GraphBuilder = { nodes, initializers, fresh, constants: new Set() };
  const addActivation = (act: ActivationName, base: string) => {
    current = emitActivation(graph, act, current, base);
  };

  // The current tensor's layout: channels last (as the model's data) or channels first (NCHW, for Conv
  // and the pooling operators), and its sample rank.
  const layerShapes = model.layerShapes();
  let channelsFirst = false;
  let currentShape: number[] = model.inputShape!;
  const rank = () => 1 + currentShape.length;
  const transpose = (perm: number[], base: string) => {
    const out = fresh(`${base}_transpose`);
    nodes.push({
      opType: 'Transpose',
      input: [current],
      output: [out],
      name: fresh(`${base}/Transpose`),
      attribute: [{ name: 'perm', type: AttributeType.INTS, ints: perm }],
    });
    current = out;
  };
  const toChannelsFirst = (base: string) => {
    if (channelsFirst) return;
    const r = rank();
    transpose([0, r - 1, ...Array.from({ length: r - 2 }, (_, k) => k + 1)], base);
    channelsFirst = true;
  };
  const toChannelsLast = (base: string) => {
    if (!channelsFirst) return;
    const r = rank();
    transpose([0, ...Array.from({ length: r - 2 }, (_, k) => k + 2), 1], base);
    channelsFirst = false;
  };
  const ints = (name: string, v: number[]) => ({ name, type: AttributeType.INTS, ints: v });
  const int = (name: string, v: number) => ({ name, type: AttributeType.INT, i: v });
  const op = (opType: string, inputs: string[], base: string, attribute?: Node['attribute']) => {
    const out = fresh(`${base}_${opType.toLowerCase()}`);
    nodes.push({
      opType,
      input: inputs,
      output: [out],
      name: fresh(`${base}/${opType}`),
      ...(attribute ? { attribute } : {}),
    });
    current = out;
  };

  // Which dense / conv layers absorb the batch normalization after them (the layers predict folds).
  const layers = description.layers;
  const foldsNext = (i: number) =>
    (layers[i]!.type === 'dense' || layers[i]!.type === 'conv2d' || layers[i]!.type === 'conv1d') &&
    (layers[i]!.activation ?? 'linear') === 'linear' &&
    layers[i + 1]?.type === 'batchNormalization';
  /**
   * The kernel and bias (undefined without one) of the dense / conv layer whose kernel is weights[w], with
   * the next layer's batch normalization folded in when predict folds it; advances `w` past what it used.
   */
  const kernelAndBias = (l: LayerConfig, i: number): { kernel: Float32Array; bias?: Float32Array; shape: number[] } => {
    const shape = shapes[w]!;
    const kernel = weights[w++]!;
    const bias = l.useBias !== false ? weights[w++]! : undefined;
    if (!foldsNext(i)) return { kernel, bias, shape };
    const bn = batchNormAffine(layers[i + 1]!, weights, w);
    w += bn.count;
    return { ...foldBatchNorm(kernel, bias, bn), shape };
  };
  const constant = (base: string, values: Float32Array) => {
    const name = fresh(base);
    initializers.push(floatTensor(name, [values.length], values));
    return name;
  };

  layers.forEach((l, i) => {
    const base = l.name ?? `${l.type}_${i}`;
    if (i > 0 && foldsNext(i - 1)) return; // folded into the layer before
    const inShape = layerShapes[i]!.input;
    const outShape = layerShapes[i]!.output;
    currentShape = inShape;
    switch (l.type) {
      case 'dropout':
        break;
      case 'activation':
        if (l.activation === 'softmax' && inShape.length > 1) {
          // Our softmax layer normalizes over the whole sample.
          toChannelsLast(base);
          op('Flatten', [current], base, [int('axis', 1)]);
          addActivation('softmax', base);
          const shapeName = fresh(`${base}_shape`);
          initializers.push(int64Tensor(shapeName, [0, ...inShape]));
          op('Reshape', [current, shapeName], base);
        } else addActivation(l.activation ?? 'linear', base);
        break;
      case 'conv2d':
      case 'conv1d': {
        toChannelsFirst(base);
        const kernelName = names[w]!;
        const biasName = l.useBias !== false ? names[w + 1]! : fresh(`${base}_folded_bias`);
        const kb = kernelAndBias(l, i);
        initializers.push(
          floatTensor(
            kernelName,
            [l.filters!, inShape[inShape.length - 1]!, ...l.kernelSize!],
            convKernelToOnnx(kb.kernel, kb.shape),
          ),
        );
        const inputs = [current, kernelName];
        if (kb.bias) {
          initializers.push(floatTensor(biasName, [kb.bias.length], kb.bias));
          inputs.push(biasName);
        }
        op('Conv', inputs, base, [
          ints('kernel_shape', l.kernelSize!),
          ints('strides', l.strides!),
          ints('dilations', l.dilationRate!),
          ints(
            'pads',
            windowPads(inShape.slice(0, -1), l.kernelSize!, l.strides!, l.dilationRate!, l.padding === 'same'),
          ),
        ]);
        // Softmax over the filters of each position: axis 1 in NCHW.
        if (l.activation === 'softmax') op('Softmax', [current], base, [int('axis', 1)]);
        else addActivation(l.activation ?? 'linear', base);
        break;
      }
      case 'maxPooling2d':
      case 'averagePooling2d':
      case 'maxPooling1d':
      case 'averagePooling1d': {
        toChannelsFirst(base);
        const max = l.type.startsWith('max');
        const pads = windowPads(
          inShape.slice(0, -1),
          l.poolSize!,
          l.strides!,
          l.poolSize!.map(() => 1),
          l.padding === 'same',
        );
        op(max ? 'MaxPool' : 'AveragePool', [current], base, [
          ints('kernel_shape', l.poolSize!),
          ints('strides', l.strides!),
          ints('pads', pads),
          ...(max ? [] : [int('count_include_pad', 0)]),
        ]);
        break;
      }
      case 'globalAveragePooling2d':
      case 'globalMaxPooling2d':
      case 'globalAveragePooling1d':
      case 'globalMaxPooling1d':
        toChannelsFirst(base);
        op(l.type.includes('Max') ? 'GlobalMaxPool' : 'GlobalAveragePool', [current], base);
        op('Flatten', [current], base, [int('axis', 1)]);
        channelsFirst = false;
        break;
      case 'flatten':
        toChannelsLast(base);
        if (inShape.length > 1) op('Flatten', [current], base, [int('axis', 1)]);
        break;
      case 'reshape': {
        toChannelsLast(base);
        const shapeName = fresh(`${base}_shape`);
        initializers.push(int64Tensor(shapeName, [0, ...outShape]));
        op('Reshape', [current, shapeName], base);
        break;
      }
      case 'dense': {
        toChannelsLast(base);
        const kernelName = names[w]!;
        const biasName = l.useBias !== false ? names[w + 1]! : fresh(`${base}_folded_bias`);
        const kb = kernelAndBias(l, i);
        initializers.push(floatTensor(kernelName, kb.shape, kb.kernel));
        const inputs = [current, kernelName];
        if (kb.bias) {
          initializers.push(floatTensor(biasName, [kb.bias.length], kb.bias));
          inputs.push(biasName);
        }
        op('Gemm', inputs, base);
        addActivation(l.activation ?? 'linear', base);
        break;
      }
      case 'batchNormalization': {
        // Over axis 1: the channels of NCHW data, the features of [n, f].
        if (inShape.length > 1) toChannelsFirst(base);
        const c = inShape[inShape.length - 1]!;
        const gamma = l.scale !== false ? weights[w++]! : new Float32Array(c).fill(1);
        const beta = l.center !== false ? weights[w++]! : new Float32Array(c);
        const mean = weights[w++]!;
        const variance = weights[w++]!;
        op(
          'BatchNormalization',
          [
            current,
            constant(`${base}_gamma`, gamma),
            constant(`${base}_beta`, beta),
            constant(`${base}_moving_mean`, mean),
            constant(`${base}_moving_variance`, variance),
          ],
          base,
          [{ name: 'epsilon', type: AttributeType.FLOAT, f: l.epsilon ?? 1e-3 }],
        );
        break;
      }
      case 'layerNormalization': {
        toChannelsLast(base);
        const c = inShape[inShape.length - 1]!;
        const gamma = l.scale !== false ? weights[w++]! : new Float32Array(c).fill(1);
        const beta = l.center !== false ? weights[w++]! : new Float32Array(c);
        op('LayerNormalization', [current, constant(`${base}_gamma`, gamma), constant(`${base}_beta`, beta)], base, [
          int('axis', -1),
          { name: 'epsilon', type: AttributeType.FLOAT, f: l.epsilon ?? 1e-3 },
        ]);
        break;
      }
      default:
        throw typeError('a layer type ONNX export supports', `layer "${base}"`, l.type);
    }
    currentShape = outShape;
  });
  toChannelsLast('output');
  // The graph output gets the fixed name `output`.
  if (nodes.length > 0 && current !== 'input') nodes[nodes.length - 1]!.output = ['output'];
  else nodes.push({ opType: 'Identity', input: [current], output: ['output'], name: 'output/Identity' });

  return encodeModel('simdnn_sequential', nodes, initializers, model.inputShape!, model.outputShape!);
}

/** Writes the ONNX model of `model` to `file` (atomically: temp file, then rename). */
export async function exportOnnx(model: Sequential, file: string): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) throw typeError('a file path (a non-empty string)', 'file', file);
  await writeFileAtomic(file, onnxBytes(model));
}
