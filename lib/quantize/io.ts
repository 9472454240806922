/**
 * Saving and loading quantized models: a folder with model.json (the description, format
 * "simdnn-quantized" version 1, the offsets of every array and the SHA-256 of weights.bin) and weights.bin
 * (int8 weights, float32 scales and biases, little-endian, each array 4-byte aligned). Everything read is
 * checked (format, version, sizes, offsets, checksum) before the model is built.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { QuantizedModel, type QuantizedDescription } from './quantized-model.js';

export const QUANTIZED_FORMAT = 'simdnn-quantized';
export const QUANTIZED_VERSION = 1;

type ArrayRef = { offset: number; length: number };
const ARRAYS = [
  ['weights', Int8Array, 1],
  ['weightScale', Float32Array, 4],
  ['bias', Float32Array, 4],
] as const;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function quantizedToFiles(q: QuantizedModel): { json: string; binary: Buffer } {
  const d = q.description;
  const parts: Buffer[] = [];
  let size = 0;
  const ops = d.ops.map((op) => {
    const o: Record<string, unknown> = { ...op };
    for (const [key] of ARRAYS) {
      const a = op[key];
      if (!a) continue;
      const pad = (4 - (size % 4)) % 4;
      if (pad) parts.push(Buffer.alloc(pad));
      size += pad;
      const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      parts.push(b);
      o[key] = { offset: size, length: a.length } satisfies ArrayRef;
      size += b.length;
    }
    return o;
  });
  const binary = Buffer.concat(parts);
  const manifest = {
    format: QUANTIZED_FORMAT,
    formatVersion: QUANTIZED_VERSION,
    weightsSha256: sha256(binary),
    weightsBytes: binary.length,
    ...d,
    ops,
  };
  return { json: JSON.stringify(manifest), binary };
}

export async function saveQuantized(q: QuantizedModel, dir: string): Promise<void> {
  const { json, binary } = quantizedToFiles(q);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'weights.bin'), binary);
  await writeFileAtomic(join(dir, 'model.json'), json);
}

export const isQuantizedManifest = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as { format?: unknown }).format === QUANTIZED_FORMAT;

const bad = (file: string, what: string) => new Error(`Cannot load the quantized model ${file}: ${what}`);

/** A QuantizedModel from its parsed model.json and the folder holding weights.bin. */
export async function loadQuantized(
  manifest: Record<string, unknown>,
  file: string,
  dir: string,
): Promise<QuantizedModel> {
  if (manifest.formatVersion !== QUANTIZED_VERSION)
    throw bad(
      file,
      `expected formatVersion ${QUANTIZED_VERSION}, but received ${JSON.stringify(manifest.formatVersion)}`,
    );
  const weightsFile = join(dir, 'weights.bin');
  const binary = await readFile(weightsFile).catch(() => {
    throw bad(file, `the weights file ${weightsFile} is missing or unreadable`);
  });
  if (binary.length !== manifest.weightsBytes)
    throw bad(file, `expected ${String(manifest.weightsBytes)} bytes in weights.bin, but it has ${binary.length}`);
  if (sha256(binary) !== manifest.weightsSha256)
    throw bad(file, 'the SHA-256 checksum of weights.bin does not match (the file is corrupted)');
  const ops = manifest.ops;
  if (!Array.isArray(ops) || !Array.isArray(manifest.inputShape) || !Array.isArray(manifest.outputShape))
    throw bad(file, 'expected ops, inputShape and outputShape arrays');
  const restored = ops.map((raw: Record<string, unknown>, i: number) => {
    const o: Record<string, unknown> = { ...raw };
    for (const [key, Ctor, bytes] of ARRAYS) {
      const ref = raw[key] as ArrayRef | undefined;
      if (ref === undefined) continue;
      const { offset, length } = ref;
      if (
        !Number.isInteger(offset) ||
        !Number.isInteger(length) ||
        offset < 0 ||
        length < 0 ||
        offset % bytes !== 0 ||
        offset + length * bytes > binary.length
      )
        throw bad(file, `ops[${i}].${key} lies outside weights.bin`);
      const copy = new Uint8Array(binary.subarray(offset, offset + length * bytes));
      o[key] = new Ctor(copy.buffer, 0, length);
    }
    return o;
  });
  const d = { ...manifest, ops: restored } as unknown as QuantizedDescription;
  try {
    return new QuantizedModel(d);
  } catch (e) {
    throw bad(file, (e as Error).message);
  }
}
