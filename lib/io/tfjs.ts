/**
 * Import of TensorFlow.js layers-format models (`model.json` with
 * `modelTopology` and `weightsManifest`, weight shards next to it): a
 * Sequential model of Dense, Dropout, Activation and InputLayer layers
 * (plus ReLU / Softmax / ELU / LeakyReLU layers where simdnn has the same
 * function), and the convolutional ones: Conv2D, Conv1D, Max/AveragePooling
 * 1D and 2D, Global{Average,Max}Pooling{1D,2D}, Flatten, Reshape (channels
 * last only, as TF.js defaults). Kernels are already in simdnn's layouts
 * (dense `[inputs, units]`, conv `[kh, kw, in, filters]`). BatchNormalization
 * and LayerNormalization over the last axis (momentum, epsilon, center, scale;
 * the moving statistics as saved). A layer saved with `trainable: false` comes
 * back frozen. The model comes back uncompiled (TF.js training settings are not
 * carried over).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { describe } from '../errors.js';
import {
  type Layer,
  activation,
  averagePooling1d,
  averagePooling2d,
  batchNormalization,
  conv1d,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAveragePooling1d,
  globalAveragePooling2d,
  globalMaxPooling1d,
  globalMaxPooling2d,
  layerNormalization,
  maxPooling1d,
  maxPooling2d,
  reshape,
} from '../layers.js';
import { Sequential } from '../model.js';
import type { ActivationName } from '../names.js';
import { Regularizer } from '../regularizers.js';
import { formatError, readFloats, weightNames } from './format.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a parsed TF.js layers-format model.json. */
export function isTfjsModelJson(v: unknown): v is Json {
  return isObject(v) && 'modelTopology' in v && 'weightsManifest' in v;
}

/** TF.js / Keras activation names simdnn computes identically. */
const ACTIVATION_MAP: Record<string, ActivationName> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  elu: 'elu',
  softplus: 'softplus',
  gelu: 'gelu',
};
const POOLING: Record<string, typeof maxPooling2d> = {
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  MaxPooling1D: maxPooling1d,
  AveragePooling1D: averagePooling1d,
  MaxPool2D: maxPooling2d,
  AvgPool2D: averagePooling2d,
  MaxPool1D: maxPooling1d,
  AvgPool1D: averagePooling1d,
};
const GLOBAL_POOLING: Record<string, typeof globalMaxPooling2d> = {
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  GlobalAveragePooling1D: globalAveragePooling1d,
  GlobalMaxPooling1D: globalMaxPooling1d,
};
const SUPPORTED_LAYERS = [
  'InputLayer',
  'Dense',
  'Dropout',
  'Activation',
  'ReLU',
  'Softmax',
  'ELU',
  'LeakyReLU',
  'Conv2D',
  'Conv1D',
  ...Object.keys(POOLING).filter((k) => k.endsWith('ing2D') || k.endsWith('ing1D')),
  ...Object.keys(GLOBAL_POOLING),
  'Flatten',
  'Reshape',
  'BatchNormalization',
  'LayerNormalization',
];

/** simdnn's weight name `layer/movingMean` as Keras / TF.js spell it (`layer/moving_mean`). */
const kerasWeightName = (name: string) =>
  name.replace(/[^/]*$/, (weight) => weight.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`));

interface WeightSpec {
  name: string;
  shape: number[];
  group: number;
  byteOffset: number;
  byteLength: number;
  decode: (bytes: Uint8Array) => Float32Array;
}

/** Builds a simdnn model from a parsed TF.js model.json at `file`, reading the weight files next to it. */
export async function loadTfjsModel(json: Json, file: string): Promise<Sequential> {
  const where = (what: string) => `${what} in ${file}`;
  const { layers, inputShape } = convertTopology(json.modelTopology, file);

  // The weights manifest: groups of shards, each group's weights packed in order.
  const specs = readManifest(json.weightsManifest, file);
  const groups = json.weightsManifest as { paths: string[] }[];

  // Expected weights, in simdnn's order, matched to the manifest by name (else by order).
  const model = new Sequential(layers);
  model.build(inputShape);
  const shapes = model.weightShapes();
  const needed = weightNames(
    layers.map((l) => l.config),
    inputShape,
  ).map((name, i) => ({ name, shape: shapes[i]! }));
  const used = new Set<WeightSpec>();
  const chosen = needed.map((n, i) => {
    const keras = kerasWeightName(n.name);
    let s =
      specs.find((w) => w.name === n.name || w.name === keras) ??
      specs.find((w) => w.name.endsWith(`/${n.name}`) || w.name.endsWith(`/${keras}`));
    if (!s) s = specs.filter((w) => !used.has(w))[0];
    if (!s)
      throw formatError(
        `a weight "${n.name}" of shape [${n.shape.join(', ')}]`,
        where('"weightsManifest"'),
        `${specs.length} weights only`,
      );
    if (s.shape.length !== n.shape.length || s.shape.some((d, j) => d !== n.shape[j]))
      throw formatError(
        `shape [${n.shape.join(', ')}] (from the layers)`,
        where(`the weight "${s.name}" (weight ${i})`),
        `[${s.shape.join(', ')}]`,
      );
    used.add(s);
    return s;
  });

  // Read each group's shards (only the groups in use), check sizes, decode.
  const dir = dirname(file);
  const groupBytes = new Map<number, Uint8Array>();
  for (const g of new Set(chosen.map((s) => s.group))) {
    const parts: Buffer[] = [];
    for (const p of groups[g]!.paths) {
      const path = resolveShard(dir, p, file);
      parts.push(
        await readFile(path).catch((e: NodeJS.ErrnoException) => {
          throw formatError(
            `the weight file ${JSON.stringify(p)} listed in ${file}`,
            path,
            e.code === 'ENOENT' ? 'a missing file' : `a file that cannot be read (${e.message})`,
          );
        }),
      );
    }
    const bytes = Buffer.concat(parts);
    const need = specs.filter((s) => s.group === g).reduce((a, s) => Math.max(a, s.byteOffset + s.byteLength), 0);
    if (bytes.length !== need)
      throw formatError(
        `${need} bytes of weights (what ${file} lists for weightsManifest[${g}])`,
        groups[g]!.paths.map((p) => resolveShard(dir, p, file)).join(' + '),
        `${bytes.length} bytes: ${bytes.length < need ? 'the weight files are truncated' : 'the weight files have extra bytes'}`,
      );
    groupBytes.set(g, bytes);
  }
  const weights = chosen.map((s) => {
    const w = s.decode(groupBytes.get(s.group)!.subarray(s.byteOffset, s.byteOffset + s.byteLength));
    for (let i = 0; i < w.length; i++)
      if (!Number.isFinite(w[i]!))
        throw formatError('finite weights', where(`the weight "${s.name}"`), `${describe(w[i])} at index ${i}`);
    return w;
  });
  model.setWeights(weights);
  return model;
}

/** Resolves a shard path relative to the model.json folder, refusing paths outside it. */
function resolveShard(dir: string, p: string, file: string): string {
  const path = resolve(dir, p);
  const rel = relative(dir, path);
  if (isAbsolute(p) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`))
    throw formatError('a weight file path inside the model folder', `"weightsManifest" in ${file}`, JSON.stringify(p));
  return path;
}

const DTYPES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

function readManifest(m: unknown, file: string): WeightSpec[] {
  const bad = (field: string, what: string, v: unknown) => formatError(what, `"${field}" in ${file}`, describe(v));
  if (!Array.isArray(m)) throw bad('weightsManifest', 'an array of weight groups', m);
  const specs: WeightSpec[] = [];
  m.forEach((g, gi) => {
    const f = `weightsManifest[${gi}]`;
    if (!isObject(g)) throw bad(f, 'an object { paths, weights }', g);
    if (!Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string' && p.length > 0))
      throw bad(`${f}.paths`, 'an array of file names', g.paths);
    if (!Array.isArray(g.weights)) throw bad(`${f}.weights`, 'an array of weight entries', g.weights);
    let offset = 0;
    g.weights.forEach((w, wi) => {
      const wf = `${f}.weights[${wi}]`;
      if (!isObject(w) || typeof w.name !== 'string') throw bad(wf, 'an object { name, shape, dtype }', w);
      if (
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 1 << 24)
      )
        throw bad(`${wf}.shape`, 'an array of non-negative integers', w.shape);
      const size = (w.shape as number[]).reduce((a, b) => a * b, 1);
      if (size > 2 ** 40) throw bad(`${wf}.shape`, 'a shape of a reasonable size', w.shape);
      const q = w.quantization;
      let bytesPer: number;
      let decode: (b: Uint8Array) => Float32Array;
      if (q === undefined || q === null) {
        if (w.dtype !== 'float32') throw bad(`${wf}.dtype`, '"float32" (the only weight type simdnn loads)', w.dtype);
        bytesPer = 4;
        decode = (b) => readFloats(b, 0, size);
      } else {
        if (!isObject(q) || typeof q.dtype !== 'string' || !(q.dtype in DTYPES) || q.dtype === 'float32')
          throw bad(`${wf}.quantization`, 'a uint8, uint16 or float16 quantization', q);
        bytesPer = DTYPES[q.dtype]!;
        decode =
          q.dtype === 'float16'
            ? (b) => decodeFloat16(b, size)
            : decodeAffine(q, bytesPer, size, `${wf}.quantization`, bad);
      }
      specs.push({
        name: w.name,
        shape: w.shape as number[],
        group: gi,
        byteOffset: offset,
        byteLength: size * bytesPer,
        decode,
      });
      offset += size * bytesPer;
    });
  });
  return specs;
}

function decodeAffine(
  q: Json,
  bytesPer: number,
  size: number,
  field: string,
  bad: (f: string, what: string, v: unknown) => Error,
): (b: Uint8Array) => Float32Array {
  const scale = q.scale;
  const min = q.min;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw bad(`${field}.scale`, 'a finite number', scale);
  if (typeof min !== 'number' || !Number.isFinite(min)) throw bad(`${field}.min`, 'a finite number', min);
  return (b) => {
    const out = new Float32Array(size);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < size; i++) out[i] = (bytesPer === 1 ? b[i]! : view.getUint16(2 * i, true)) * scale + min;
    return out;
  };
}

function decodeFloat16(b: Uint8Array, size: number): Float32Array {
  const out = new Float32Array(size);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < size; i++) {
    const h = view.getUint16(2 * i, true);
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** Maps the Keras/TF.js topology to simdnn layers and finds the input size. */
function convertTopology(topology: unknown, file: string): { layers: Layer[]; inputShape: number[] } {
  const bad = (field: string, what: string, v: unknown) => formatError(what, `${field} in ${file}`, describe(v));
  let t = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config; // Keras-converted files
  if (!isObject(t)) throw bad('"modelTopology"', 'an object', t);
  if (t.class_name !== 'Sequential')
    throw bad('"modelTopology.class_name"', '"Sequential" (simdnn imports sequential models only)', t.class_name);
  const config = t.config;
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0)
    throw bad('"modelTopology.config.layers"', 'a non-empty array of layers', list);

  let inputShape: number[] | undefined;
  const takeInput = (c: Json, label: string) => {
    const batchShape = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
    let shape: unknown[];
    if (Array.isArray(batchShape)) {
      if (batchShape.length < 2) throw bad(label, 'an input of shape [batch, ...sample]', batchShape);
      shape = batchShape.slice(1);
    } else if (Array.isArray(c.input_shape)) shape = c.input_shape;
    else if (c.input_dim !== undefined) shape = [c.input_dim];
    else return;
    if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 1 << 24))
      throw bad(label, 'an input shape of positive integers (no unknown dimensions besides the batch)', shape);
    if (inputShape === undefined) inputShape = shape as number[];
  };
  const channelsLast = (c: Json, at: string) => {
    if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channels_last')
      throw bad(`"data_format" of ${at}`, '"channels_last" (the layout simdnn uses)', c.data_format);
  };
  const sizes = (v: unknown, field: string, axes: number): number[] => {
    const list = typeof v === 'number' ? Array(axes).fill(v) : v;
    if (!Array.isArray(list) || list.length !== axes || !list.every((d) => Number.isInteger(d) && d >= 1))
      throw bad(field, `${axes} positive integer${axes > 1 ? 's' : ''}`, v);
    return list as number[];
  };
  const padding = (v: unknown, field: string): 'valid' | 'same' => {
    if (v === undefined || v === null) return 'valid';
    if (v !== 'valid' && v !== 'same') throw bad(field, '"valid" or "same"', v);
    return v;
  };

  const layers: Layer[] = [];
  // Normalization axes to check against the sample rank once the shapes are known: [layer index, axis, field].
  const axes: [number, unknown, string][] = [];
  const normalization = (c: Json, at: string) => {
    const epsilon = c.epsilon ?? 1e-3;
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon))
      throw bad(`"epsilon" of ${at}`, 'a number above 0', epsilon);
    for (const key of ['center', 'scale'])
      if (c[key] !== undefined && typeof c[key] !== 'boolean') throw bad(`"${key}" of ${at}`, 'a boolean', c[key]);
    axes.push([layers.length, c.axis ?? -1, `"axis" of ${at}`]);
    return { epsilon, center: c.center !== false, scale: c.scale !== false };
  };
  const used = new Set<string>();
  list.forEach((entry, i) => {
    if (!isObject(entry) || !isObject(entry.config)) return convertLayer(entry, i);
    const first = layers.length;
    convertLayer(entry, i);
    if (entry.config.trainable === false) for (let k = first; k < layers.length; k++) layers[k]!.trainable = false;
  });
  function convertLayer(entry: unknown, i: number): void {
    const label = `layer ${i}`;
    if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config))
      throw bad(`"modelTopology" ${label}`, 'an object { class_name, config }', entry);
    const cls = entry.class_name;
    const c = entry.config;
    const name = typeof c.name === 'string' && c.name && !used.has(c.name) ? c.name : `${cls.toLowerCase()}_${i}`;
    used.add(name);
    const at = `layer "${name}" (${cls})`;
    if (i === 0 || cls === 'InputLayer') takeInput(c, at);
    const act = (v: unknown): ActivationName => {
      if (v === undefined || v === null) return 'linear';
      const key =
        typeof v === 'string' ? v : isObject(v) && typeof v.class_name === 'string' ? v.class_name : undefined;
      const mapped = key === undefined ? undefined : (ACTIVATION_MAP[key] ?? ACTIVATION_MAP[key.toLowerCase()]);
      if (!mapped)
        throw bad(
          `the activation of ${at}`,
          `one of the activations ${Object.keys(ACTIVATION_MAP).join(', ')} (unsupported by simdnn)`,
          key ?? v,
        );
      return mapped;
    };
    switch (cls) {
      case 'InputLayer':
        return;
      case 'Dense': {
        const units = c.units;
        if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > 1 << 24)
          throw bad(`"units" of ${at}`, 'a positive integer', units);
        if (c.use_bias !== undefined && typeof c.use_bias !== 'boolean')
          throw bad(`"use_bias" of ${at}`, 'a boolean', c.use_bias);
        layers.push(
          dense({
            units,
            name,
            activation: act(c.activation),
            useBias: c.use_bias !== false,
            kernelRegularizer: regularizer(c.kernel_regularizer, `"kernel_regularizer" of ${at}`, bad),
            biasRegularizer: regularizer(c.bias_regularizer, `"bias_regularizer" of ${at}`, bad),
          }),
        );
        return;
      }
      case 'Dropout': {
        const rate = c.rate;
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
          throw bad(`"rate" of ${at}`, 'a number in [0, 1)', rate);
        layers.push(dropout({ rate, name }));
        return;
      }
      case 'Activation':
        layers.push(activation({ activation: act(c.activation), name }));
        return;
      case 'ReLU':
        if ((c.max_value ?? null) !== null || (c.threshold ?? 0) !== 0 || (c.negative_slope ?? 0) !== 0)
          throw bad(at, 'a plain ReLU (no max_value, threshold or negative_slope)', c);
        layers.push(activation({ activation: 'relu', name }));
        return;
      case 'Softmax':
        if (
          c.axis !== undefined &&
          c.axis !== -1 &&
          c.axis !== 1 &&
          !(Array.isArray(c.axis) && c.axis.length === 1 && c.axis[0] === -1)
        )
          throw bad(`"axis" of ${at}`, 'the last axis (-1)', c.axis);
        layers.push(activation({ activation: 'softmax', name }));
        return;
      case 'ELU':
        if ((c.alpha ?? 1) !== 1) throw bad(`"alpha" of ${at}`, 'alpha 1 (the ELU simdnn computes)', c.alpha);
        layers.push(activation({ activation: 'elu', name }));
        return;
      case 'LeakyReLU': {
        const alpha = c.alpha ?? c.negative_slope ?? 0.3;
        if (typeof alpha !== 'number' || Math.fround(alpha) !== Math.fround(0.01))
          throw bad(`"alpha" of ${at}`, "alpha 0.01 (the slope of simdnn's leakyRelu)", alpha);
        layers.push(activation({ activation: 'leakyRelu', name }));
        return;
      }
      case 'Conv2D':
      case 'Conv1D': {
        channelsLast(c, at);
        const axes = cls === 'Conv2D' ? 2 : 1;
        if (c.groups !== undefined && c.groups !== 1) throw bad(`"groups" of ${at}`, '1', c.groups);
        const filters = c.filters;
        if (typeof filters !== 'number' || !Number.isInteger(filters) || filters < 1)
          throw bad(`"filters" of ${at}`, 'a positive integer', filters);
        const make = axes === 2 ? conv2d : conv1d;
        layers.push(
          make({
            filters,
            kernelSize: sizes(c.kernel_size, `"kernel_size" of ${at}`, axes),
            strides: sizes(c.strides ?? 1, `"strides" of ${at}`, axes),
            padding: padding(c.padding, `"padding" of ${at} (causal is not supported)`),
            dilationRate: sizes(c.dilation_rate ?? 1, `"dilation_rate" of ${at}`, axes),
            name,
            activation: act(c.activation),
            useBias: c.use_bias !== false,
            kernelRegularizer: regularizer(c.kernel_regularizer, `"kernel_regularizer" of ${at}`, bad),
            biasRegularizer: regularizer(c.bias_regularizer, `"bias_regularizer" of ${at}`, bad),
          }),
        );
        return;
      }
      case 'Flatten':
        channelsLast(c, at);
        layers.push(flatten({ name }));
        return;
      case 'BatchNormalization': {
        const momentum = c.momentum ?? 0.99;
        if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1))
          throw bad(`"momentum" of ${at}`, 'a number in [0, 1)', momentum);
        layers.push(batchNormalization({ momentum, ...normalization(c, at), name }));
        return;
      }
      case 'LayerNormalization':
        layers.push(layerNormalization({ ...normalization(c, at), name }));
        return;
      case 'Reshape': {
        const t = c.target_shape;
        if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && (d >= 1 || d === -1)))
          throw bad(`"target_shape" of ${at}`, 'an array of positive integers (one may be -1)', t);
        layers.push(reshape({ targetShape: t as number[], name }));
        return;
      }
      default:
        if (POOLING[cls]) {
          channelsLast(c, at);
          const axes = cls.endsWith('2D') ? 2 : 1;
          const poolSize = sizes(c.pool_size ?? 2, `"pool_size" of ${at}`, axes);
          const strides =
            c.strides === undefined || c.strides === null ? poolSize : sizes(c.strides, `"strides" of ${at}`, axes);
          layers.push(POOLING[cls]!({ poolSize, strides, padding: padding(c.padding, `"padding" of ${at}`), name }));
          return;
        }
        if (GLOBAL_POOLING[cls]) {
          channelsLast(c, at);
          if (c.keepdims === true) throw bad(`"keepdims" of ${at}`, 'false', c.keepdims);
          layers.push(GLOBAL_POOLING[cls]!({ name }));
          return;
        }
        throw bad(
          `"class_name" of layer ${i}`,
          `one of the layers ${SUPPORTED_LAYERS.join(', ')} (unsupported by simdnn)`,
          cls,
        );
    }
  }
  if (inputShape === undefined)
    throw formatError(
      'an input shape on the first layer (batch_input_shape)',
      `"modelTopology" in ${file}`,
      'a model without one',
    );
  if (!layers.some((l) => l.hasWeights))
    throw formatError('at least one Dense or Conv layer', `"modelTopology" in ${file}`, 'none');
  if (layers[0]?.config.type === 'dense' && inputShape.length !== 1)
    throw formatError(
      'an input of shape [batch, features] for a first Dense layer (simdnn applies dense layers to flat samples)',
      `"modelTopology" in ${file}`,
      `[batch, ${inputShape.join(', ')}]`,
    );
  // Normalization over the last axis only: -1, or the sample rank (the batch is axis 0), alone or in a list.
  let shape = inputShape;
  if (axes.length > 0)
    layers.forEach((l, k) => {
      for (const [index, axis, field] of axes) {
        if (index !== k) continue;
        const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
        if (a !== -1 && a !== shape.length)
          throw bad(field, `the last axis (-1 or ${shape.length}: simdnn normalizes over the channels)`, axis);
      }
      shape = l.outputShape(shape);
    });
  return { layers, inputShape };
}

/** Keras/TF.js L1, L2, L1L2 regularizers (same formulas: lambda * sum|w|, lambda * sum w^2). */
function regularizer(
  v: unknown,
  field: string,
  bad: (f: string, what: string, v: unknown) => Error,
): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v.class_name !== 'string' || !isObject(v.config))
    throw bad(field, 'a regularizer { class_name, config }', v);
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : x === undefined ? 0 : NaN);
  if (v.class_name !== 'L1L2' && v.class_name !== 'L1' && v.class_name !== 'L2')
    throw bad(field, 'an L1, L2 or L1L2 regularizer', v.class_name);
  const l1 = num(v.config.l1);
  const l2 = num(v.config.l2);
  if (Number.isNaN(l1) || Number.isNaN(l2)) throw bad(field, 'non-negative l1 and l2 factors', v.config);
  return l1 === 0 && l2 === 0 ? undefined : new Regularizer(l1, l2);
}
