/**
 * Import of TensorFlow.js layers-format models (`model.json` with
 * `modelTopology` and `weightsManifest`, weight shards next to it): a
 * Sequential model of Dense, Dropout, Activation and InputLayer layers
 * (plus ReLU / Softmax / ELU / LeakyReLU layers where simdnn has the same
 * function). Kernels are already `[inputs, units]`. The model comes back
 * uncompiled (TF.js training settings are not carried over).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { describe } from '../errors.js';
import { type Layer, activation, dense, dropout } from '../layers.js';
import { Sequential } from '../model.js';
import type { ActivationName } from '../names.js';
import { Regularizer } from '../regularizers.js';
import { formatError, readFloats } from './format.js';

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
const SUPPORTED_LAYERS = ['InputLayer', 'Dense', 'Dropout', 'Activation', 'ReLU', 'Softmax', 'ELU', 'LeakyReLU'];

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
  const { layers, inputDim } = convertTopology(json.modelTopology, file);

  // The weights manifest: groups of shards, each group's weights packed in order.
  const specs = readManifest(json.weightsManifest, file);
  const groups = json.weightsManifest as { paths: string[] }[];

  // Expected weights, in simdnn's order, matched to the manifest by name (else by order).
  const model = new Sequential(layers);
  const needed: { name: string; shape: number[] }[] = [];
  let width = inputDim;
  for (const l of layers) {
    if (l.config.type !== 'dense') continue;
    needed.push({ name: `${l.config.name}/kernel`, shape: [width, l.config.units!] });
    if (l.config.useBias !== false) needed.push({ name: `${l.config.name}/bias`, shape: [l.config.units!] });
    width = l.config.units!;
  }
  const used = new Set<WeightSpec>();
  const chosen = needed.map((n, i) => {
    let s = specs.find((w) => w.name === n.name) ?? specs.find((w) => w.name.endsWith(`/${n.name}`));
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
  model.build(inputDim);
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
function convertTopology(topology: unknown, file: string): { layers: Layer[]; inputDim: number } {
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

  let inputDim: number | undefined;
  const takeInput = (c: Json, label: string) => {
    const shape = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
    let d: unknown;
    if (Array.isArray(shape)) {
      if (shape.length !== 2)
        throw bad(label, 'an input of shape [batch, features] (dense networks on flat features)', shape);
      d = shape[1];
    } else if (Array.isArray(c.input_shape)) {
      if (c.input_shape.length !== 1) throw bad(label, 'an input of shape [features]', c.input_shape);
      d = c.input_shape[0];
    } else if (c.input_dim !== undefined) d = c.input_dim;
    else return;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 1 << 24)
      throw bad(label, 'a positive number of input features', d);
    if (inputDim === undefined) inputDim = d;
  };

  const layers: Layer[] = [];
  const used = new Set<string>();
  list.forEach((entry, i) => {
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
      default:
        throw bad(
          `"class_name" of layer ${i}`,
          `one of the layers ${SUPPORTED_LAYERS.join(', ')} (unsupported by simdnn)`,
          cls,
        );
    }
  });
  if (inputDim === undefined)
    throw formatError(
      'an input shape on the first layer (batch_input_shape)',
      `"modelTopology" in ${file}`,
      'a model without one',
    );
  if (!layers.some((l) => l.config.type === 'dense'))
    throw formatError('at least one Dense layer', `"modelTopology" in ${file}`, 'none');
  return { layers, inputDim };
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
