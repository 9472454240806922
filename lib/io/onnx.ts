/**
 * model.exportOnnx(file): an ONNX model (IR version 8, opset 17) of the
 * inference graph. Input `input` [batch, inputDim] float32, output `output`.
 * Each dense layer is a Gemm (initializers as little-endian raw_data), its
 * activation the matching ONNX operator: Relu, LeakyRelu (alpha 0.01),
 * Elu (alpha 1), Sigmoid, Tanh, Softmax (axis -1), Softplus; gelu is written
 * in its exact erf form 0.5 * x * (1 + Erf(x / sqrt 2)), since Gelu only
 * exists from opset 20. Dropout is the identity at inference and is left out.
 */
import type { Sequential } from '../model.js';
import type { ActivationName } from '../names.js';
import { typeError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { LIBRARY_VERSION, weightNames, writeFloats } from './format.js';
import { AttributeType, TensorDataType, modelProto } from './onnx-proto.js';

export const IR_VERSION = 8;
export const OPSET = 17;

interface Node {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute?: { name: string; type: number; f?: number; i?: number }[];
}
interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function floatTensor(name: string, dims: number[], values: Float32Array): Initializer {
  const raw = Buffer.alloc(values.byteLength);
  writeFloats(raw, 0, values);
  return { name, dims, dataType: TensorDataType.FLOAT, rawData: raw };
}

/** The ONNX ModelProto bytes of `model`'s inference graph. */
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
  const inputDim = model.inputDim!;
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let current = 'input';
  let w = 0;
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  let geluConstants = false;

  const addActivation = (act: ActivationName, base: string) => {
    if (act === 'linear') return;
    const out = fresh(`${base}_${act}`);
    const node = (opType: string, input: string[], output: string, attribute?: Node['attribute']) =>
      nodes.push({
        opType,
        input,
        output: [output],
        name: fresh(`${base}/${opType}`),
        ...(attribute ? { attribute } : {}),
      });
    switch (act) {
      case 'relu':
        node('Relu', [current], out);
        break;
      case 'leakyRelu':
        node('LeakyRelu', [current], out, [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.01 }]);
        break;
      case 'elu':
        node('Elu', [current], out, [{ name: 'alpha', type: AttributeType.FLOAT, f: 1 }]);
        break;
      case 'sigmoid':
        node('Sigmoid', [current], out);
        break;
      case 'tanh':
        node('Tanh', [current], out);
        break;
      case 'softmax':
        node('Softmax', [current], out, [{ name: 'axis', type: AttributeType.INT, i: -1 }]);
        break;
      case 'softplus':
        node('Softplus', [current], out);
        break;
      case 'gelu': {
        if (!geluConstants) {
          initializers.push(
            floatTensor('gelu_sqrt2', [], new Float32Array([Math.SQRT2])),
            floatTensor('gelu_one', [], new Float32Array([1])),
            floatTensor('gelu_half', [], new Float32Array([0.5])),
          );
          geluConstants = true;
        }
        const scaled = fresh(`${base}_gelu_div`);
        const erf = fresh(`${base}_gelu_erf`);
        const plus = fresh(`${base}_gelu_add`);
        const times = fresh(`${base}_gelu_mul`);
        node('Div', [current, 'gelu_sqrt2'], scaled);
        node('Erf', [scaled], erf);
        node('Add', [erf, 'gelu_one'], plus);
        node('Mul', [current, plus], times);
        node('Mul', [times, 'gelu_half'], out);
        break;
      }
      default:
        throw typeError('an activation ONNX export supports', `the activation of layer "${base}"`, act);
    }
    current = out;
  };

  description.layers.forEach((l, i) => {
    const base = l.name ?? `${l.type}_${i}`;
    if (l.type === 'dropout') return;
    if (l.type === 'activation') {
      addActivation(l.activation ?? 'linear', base);
      return;
    }
    const kernelName = names[w]!;
    initializers.push(floatTensor(kernelName, shapes[w]!, weights[w]!));
    const inputs = [current, kernelName];
    w++;
    if (l.useBias !== false) {
      const biasName = names[w]!;
      initializers.push(floatTensor(biasName, shapes[w]!, weights[w]!));
      inputs.push(biasName);
      w++;
    }
    const out = fresh(`${base}_gemm`);
    nodes.push({ opType: 'Gemm', input: inputs, output: [out], name: fresh(`${base}/Gemm`) });
    current = out;
    addActivation(l.activation ?? 'linear', base);
  });
  // The graph output gets the fixed name `output`.
  if (nodes.length > 0 && current !== 'input') nodes[nodes.length - 1]!.output = ['output'];
  else nodes.push({ opType: 'Identity', input: [current], output: ['output'], name: 'output/Identity' });

  const tensorType = (dims: ({ dimParam: string } | { dimValue: number })[]) => ({
    tensorType: { elemType: TensorDataType.FLOAT, shape: { dim: dims } },
  });
  const message = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'simdnn',
    producerVersion: LIBRARY_VERSION,
    graph: {
      name: 'simdnn_sequential',
      node: nodes,
      initializer: initializers,
      input: [{ name: 'input', type: tensorType([{ dimParam: 'batch' }, { dimValue: inputDim }]) }],
      output: [{ name: 'output', type: tensorType([{ dimParam: 'batch' }, { dimValue: model.outputDim! }]) }],
    },
  };
  const Model = modelProto();
  return Model.encode(Model.fromObject(message)).finish();
}

/** Writes the ONNX model of `model` to `file` (atomically: temp file, then rename). */
export async function exportOnnx(model: Sequential, file: string): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) throw typeError('a file path (a non-empty string)', 'file', file);
  await writeFileAtomic(file, onnxBytes(model));
}
