/**
 * The saved-model format (version 1): the description `model.json` and the
 * little-endian float32 blob `weights.bin` (weights, then optimizer slots).
 * This module encodes a model into that pair and validates a decoded pair;
 * it never builds a model (see restore.ts), so model.ts can import it.
 *
 * model.json:
 *   { format: 'simdnn', formatVersion: 1, libraryVersion,
 *     model: <Sequential.toJSON()>,
 *     weights: [{ name, shape, byteOffset, byteLength }],
 *     optimizer?: { iterations, learningRate?, slots: [{ name, param, length, byteOffset }] },
 *     weightsByteLength, weightsSha256,
 *     descriptionSha256 }   (SHA-256 of the JSON text of all the fields above, see descriptionDigest)
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { describe, expectedMessage } from '../errors.js';
import { Layer, type LayerConfig, type Shape } from '../layers.js';
import type { Sequential } from '../model.js';

export const FORMAT = 'simdnn';
export const FORMAT_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [1];
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const require = createRequire(import.meta.url);
/** simdnn's version (`../../package.json` from both lib/io and dist/io). */
export const LIBRARY_VERSION: string = (require('../../package.json') as { version: string }).version;

export interface WeightEntry {
  name: string;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}
export interface SlotEntry {
  name: string;
  param: number;
  length: number;
  byteOffset: number;
}
export interface OptimizerManifest {
  iterations: number;
  learningRate?: number;
  /** The state of the generator behind shuffling and dropout (resumed training continues its sequence). */
  randomState?: string;
  slots: SlotEntry[];
}
export interface ModelDescription {
  inputDim?: number;
  /** The sample shape (absent in files written before convolution layers: then `[inputDim]`). */
  inputShape?: Shape;
  layers: LayerConfig[];
  compile?: {
    optimizer: { name: string; config: Record<string, unknown>; schedule?: unknown };
    loss: string;
    metrics: string[];
  };
}
export interface ModelManifest {
  format: typeof FORMAT;
  formatVersion: number;
  libraryVersion: string;
  model: ModelDescription;
  weights: WeightEntry[];
  optimizer?: OptimizerManifest;
  weightsByteLength: number;
  weightsSha256: string;
  descriptionSha256: string;
}

/** An error about the content of a saved model: its message names the file and the problem. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** `Expected <what> for <where>, but received <received>` as a ModelFormatError. */
export function formatError(what: string, where: string, received: string): ModelFormatError {
  return new ModelFormatError(expectedMessage(what, where, received));
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const LITTLE_ENDIAN = endianness() === 'LE';

/** Copies float32 values into `out` at `offset`, little-endian. */
export function writeFloats(out: Buffer, offset: number, values: Float32Array): void {
  if (LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
  else for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, offset + 4 * i);
}

/** Reads `length` little-endian float32 values at `offset` into a new Float32Array (any alignment). */
export function readFloats(bytes: Uint8Array, offset: number, length: number): Float32Array {
  const out = new Float32Array(length);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + 4 * length));
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * length);
    for (let i = 0; i < length; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

/** Weight tensor names: `<layer name or <type>_<i>>/kernel` (and `/bias`, ...), in getWeights() order. */
export function weightNames(layers: readonly LayerConfig[], inputShape: Shape): string[] {
  return layerWeights(layers, inputShape).map((w) => w.name);
}

/** The weight shapes a layer list implies for samples of `inputShape` (the same rule as Sequential.weightShapes). */
export function impliedShapes(layers: readonly LayerConfig[], inputShape: Shape): number[][] {
  return layerWeights(layers, inputShape).map((w) => w.shape);
}

function layerWeights(layers: readonly LayerConfig[], inputShape: Shape): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  let shape = inputShape;
  layers.forEach((c, i) => {
    const l = new Layer(c);
    const label = c.name ?? `${c.type}_${i}`;
    for (const w of l.weights(shape)) out.push({ name: `${label}/${w.name}`, shape: w.shape });
    shape = l.outputShape(shape, label);
  });
  return out;
}

/** The description and the binary (weights, then optimizer slots) of a model. */
export function encodeModel(model: Sequential, includeOptimizer = true): { manifest: ModelManifest; binary: Buffer } {
  const weights = model.getWeights(); // builds the model if needed
  const shapes = model.weightShapes();
  const description = model.toJSON() as ModelDescription;
  const names = weightNames(description.layers, model.inputShape!);
  const state = includeOptimizer ? model.getOptimizerState() : null;
  let total = 0;
  const entries: WeightEntry[] = weights.map((w, i) => {
    const e = { name: names[i] ?? `weight_${i}`, shape: shapes[i]!, byteOffset: total, byteLength: w.byteLength };
    total += w.byteLength;
    return e;
  });
  let optimizer: OptimizerManifest | undefined;
  if (state) {
    const randomState = model.getRandomState();
    optimizer = {
      iterations: state.iterations,
      learningRate: model.learningRate,
      ...(randomState ? { randomState } : {}),
      slots: state.slots.map((s) => {
        const e = { name: s.name, param: s.param, length: s.data.length, byteOffset: total };
        total += s.data.byteLength;
        return e;
      }),
    };
  }
  const binary = Buffer.alloc(total);
  weights.forEach((w, i) => writeFloats(binary, entries[i]!.byteOffset, w));
  state?.slots.forEach((s, i) => writeFloats(binary, optimizer!.slots[i]!.byteOffset, s.data));
  const manifest: ModelManifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    libraryVersion: LIBRARY_VERSION,
    model: description,
    weights: entries,
    ...(optimizer ? { optimizer } : {}),
    weightsByteLength: total,
    weightsSha256: sha256(binary),
    descriptionSha256: '',
  };
  manifest.descriptionSha256 = descriptionDigest(manifest as unknown as Record<string, unknown>);
  return { manifest, binary };
}

/**
 * The SHA-256 of the description's fields, serialized by JSON.stringify in a fixed order. Any edit
 * or corruption of model.json that changes a value (not just whitespace) changes it.
 */
export function descriptionDigest(m: Record<string, unknown>): string {
  const fields = [
    m.format,
    m.formatVersion,
    m.libraryVersion,
    m.model,
    m.weights,
    m.optimizer ?? null,
    m.weightsByteLength,
    m.weightsSha256,
  ];
  return sha256(Buffer.from(JSON.stringify(fields), 'utf8'));
}

// ---- validation of what was read ------------------------------------------------------------

const MAX_LAYERS = 100_000;
const MAX_BYTES = Number.MAX_SAFE_INTEGER;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks every field of a parsed model.json (types, ranges); `file` names it in the messages. */
export function validateManifest(parsed: unknown, file: string): ModelManifest {
  const bad = (field: string, what: string, value: unknown) =>
    formatError(what, `"${field}" in ${file}`, describe(value));
  if (!isObject(parsed)) throw formatError('a JSON object describing a simdnn model', file, describe(parsed));
  if (parsed.format !== FORMAT) throw bad('format', `"${FORMAT}" (a model saved by simdnn)`, parsed.format);
  const version = parsed.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) throw bad('formatVersion', 'an integer', version);
  if (!SUPPORTED_VERSIONS.includes(version)) {
    const newer = version > FORMAT_VERSION;
    throw formatError(
      `formatVersion ${SUPPORTED_VERSIONS.join(' or ')} (the format versions simdnn ${LIBRARY_VERSION} reads)`,
      `"formatVersion" in ${file}`,
      `${version}${
        newer
          ? `: the model was saved by a newer simdnn${typeof parsed.libraryVersion === 'string' ? ` (${parsed.libraryVersion.slice(0, 40)})` : ''}; upgrade simdnn to load it`
          : ''
      }`,
    );
  }
  if (typeof parsed.libraryVersion !== 'string') throw bad('libraryVersion', 'a string', parsed.libraryVersion);
  if (typeof parsed.descriptionSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.descriptionSha256))
    throw bad('descriptionSha256', 'a SHA-256 digest (64 lowercase hex digits)', parsed.descriptionSha256);
  const digest = descriptionDigest(parsed);
  if (digest !== parsed.descriptionSha256)
    throw formatError(
      `a model description whose SHA-256 is the ${parsed.descriptionSha256} recorded in it`,
      file,
      `one whose SHA-256 is ${digest}: the description was altered or corrupted`,
    );

  const model = parsed.model;
  if (!isObject(model)) throw bad('model', 'an object (the model description)', model);
  if (!Array.isArray(model.layers) || model.layers.length === 0 || model.layers.length > MAX_LAYERS)
    throw bad('model.layers', `an array of 1 to ${MAX_LAYERS} layers`, model.layers);
  model.layers.forEach((l, i) => {
    if (!isObject(l) || typeof l.type !== 'string') throw bad(`model.layers[${i}]`, 'a layer object with a "type"', l);
    for (const key of ['kernelRegularizer', 'biasRegularizer']) {
      const r = l[key];
      if (r === undefined) continue;
      const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
      if (!isObject(r) || !ok(r.l1) || !ok(r.l2))
        throw bad(`model.layers[${i}].${key}`, 'an object { l1, l2 } of numbers >= 0', r);
    }
  });
  const inputDim = model.inputDim;
  if (typeof inputDim !== 'number' || !Number.isInteger(inputDim) || inputDim < 1 || inputDim > 1 << 24)
    throw bad('model.inputDim', 'an integer from 1 to 16777216', inputDim);
  if (model.inputShape !== undefined) {
    const shape = model.inputShape;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      shape.length > 8 ||
      !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 1 << 24)
    )
      throw bad('model.inputShape', 'an array of 1 to 8 positive integers', shape);
    if (shape.reduce((a: number, b: number) => a * b, 1) !== inputDim)
      throw bad('model.inputShape', `a shape of ${inputDim} values (model.inputDim)`, shape);
  }
  if (model.compile !== undefined) {
    const c = model.compile;
    if (!isObject(c)) throw bad('model.compile', 'an object', c);
    if (!isObject(c.optimizer) || typeof c.optimizer.name !== 'string' || !isObject(c.optimizer.config))
      throw bad('model.compile.optimizer', 'an object { name, config }', c.optimizer);
    if (typeof c.loss !== 'string') throw bad('model.compile.loss', 'a loss name', c.loss);
    if (!Array.isArray(c.metrics) || !c.metrics.every((m) => typeof m === 'string'))
      throw bad('model.compile.metrics', 'an array of metric names', c.metrics);
  }

  const total = parsed.weightsByteLength;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0 || total > MAX_BYTES || total % 4 !== 0)
    throw bad('weightsByteLength', 'a non-negative integer multiple of 4', total);
  if (typeof parsed.weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.weightsSha256))
    throw bad('weightsSha256', 'a SHA-256 digest (64 lowercase hex digits)', parsed.weightsSha256);

  const span = (field: string, offset: unknown, length: number) => {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset % 4 !== 0)
      throw bad(field, 'a non-negative integer multiple of 4', offset);
    if (offset + length > total)
      throw formatError(
        `a range that ends within the ${total} bytes of weights`,
        `"${field}" in ${file}`,
        `${offset} (ending at byte ${offset + length})`,
      );
  };
  if (!Array.isArray(parsed.weights) || parsed.weights.length > 2 * MAX_LAYERS)
    throw bad('weights', 'an array of weight entries', parsed.weights);
  const weights = parsed.weights.map((w, i): WeightEntry => {
    const f = `weights[${i}]`;
    if (!isObject(w)) throw bad(f, 'an object { name, shape, byteOffset, byteLength }', w);
    if (typeof w.name !== 'string') throw bad(`${f}.name`, 'a string', w.name);
    if (
      !Array.isArray(w.shape) ||
      w.shape.length < 1 ||
      w.shape.length > 2 ||
      !w.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 1 << 24)
    )
      throw bad(`${f}.shape`, 'a shape of 1 or 2 positive integers', w.shape);
    const size = (w.shape as number[]).reduce((a, b) => a * b, 1);
    if (w.byteLength !== size * 4)
      throw bad(
        `${f}.byteLength`,
        `${size * 4} (4 bytes for each of the ${size} values of shape [${w.shape.join(', ')}])`,
        w.byteLength,
      );
    span(`${f}.byteOffset`, w.byteOffset, size * 4);
    return { name: w.name, shape: w.shape as number[], byteOffset: w.byteOffset as number, byteLength: size * 4 };
  });

  let optimizer: OptimizerManifest | undefined;
  if (parsed.optimizer !== undefined) {
    const o = parsed.optimizer;
    if (!isObject(o)) throw bad('optimizer', 'an object { iterations, slots }', o);
    if (typeof o.iterations !== 'number' || !Number.isInteger(o.iterations) || o.iterations < 0)
      throw bad('optimizer.iterations', 'a non-negative integer', o.iterations);
    if (
      o.learningRate !== undefined &&
      (typeof o.learningRate !== 'number' || !(o.learningRate >= 0) || !Number.isFinite(o.learningRate))
    )
      throw bad('optimizer.learningRate', 'a finite number >= 0', o.learningRate);
    if (!Array.isArray(o.slots) || o.slots.length > 8 * weights.length + 8)
      throw bad('optimizer.slots', 'an array of slot entries', o.slots);
    const slots = o.slots.map((s, i): SlotEntry => {
      const f = `optimizer.slots[${i}]`;
      if (!isObject(s)) throw bad(f, 'an object { name, param, length, byteOffset }', s);
      if (typeof s.name !== 'string') throw bad(`${f}.name`, 'a string', s.name);
      if (typeof s.param !== 'number' || !Number.isInteger(s.param) || s.param < 0 || s.param >= weights.length)
        throw bad(`${f}.param`, `a weight index from 0 to ${weights.length - 1}`, s.param);
      if (typeof s.length !== 'number' || !Number.isInteger(s.length) || s.length < 0 || s.length * 4 > total)
        throw bad(`${f}.length`, `a number of values that fits in ${total} bytes`, s.length);
      span(`${f}.byteOffset`, s.byteOffset, s.length * 4);
      return { name: s.name, param: s.param, length: s.length, byteOffset: s.byteOffset as number };
    });
    if (
      o.randomState !== undefined &&
      (typeof o.randomState !== 'string' || !/^([0-9a-f]{16}:){5}[01]$/.test(o.randomState))
    )
      throw bad('optimizer.randomState', 'a random state saved by simdnn', o.randomState);
    optimizer = {
      iterations: o.iterations,
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate as number } : {}),
      ...(o.randomState !== undefined ? { randomState: o.randomState as string } : {}),
      slots,
    };
  }
  return {
    format: FORMAT,
    formatVersion: version,
    libraryVersion: parsed.libraryVersion,
    model: model as unknown as ModelDescription,
    weights,
    ...(optimizer ? { optimizer } : {}),
    weightsByteLength: total,
    weightsSha256: parsed.weightsSha256,
    descriptionSha256: parsed.descriptionSha256,
  };
}

/** Parses model.json text; a clear error when it is not JSON. */
export function parseManifestText(text: string, file: string): ModelManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw formatError('valid JSON', file, `text that does not parse (${(e as Error).message})`);
  }
  return validateManifest(parsed, file);
}

/** Checks a weights size against the manifest. */
export function checkSize(manifest: ModelManifest, size: number, file: string, manifestFile: string): void {
  const expected = manifest.weightsByteLength;
  if (size !== expected) {
    const how = size < expected ? 'the file is truncated' : 'the file has extra bytes';
    throw formatError(
      `${expected} bytes (the size ${manifestFile} records)`,
      file,
      `${size} bytes: ${how}, or it belongs to another model`,
    );
  }
}

/** Checks the size and the SHA-256 of the binary against the manifest. */
export function checkBinary(manifest: ModelManifest, binary: Uint8Array, file: string, manifestFile: string): void {
  checkSize(manifest, binary.byteLength, file, manifestFile);
  const actual = sha256(binary);
  if (actual !== manifest.weightsSha256)
    throw formatError(
      `data with the SHA-256 ${manifest.weightsSha256} recorded in ${manifestFile}`,
      file,
      `data with the SHA-256 ${actual}: the weights were altered or corrupted`,
    );
}
