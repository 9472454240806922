/**
 * nn.loadModel(source): a folder written by model.save, its model.json, a
 * Buffer from model.toBuffer (or a file holding one), or a TensorFlow.js
 * layers-format model.json. Everything read is validated (fields, sizes,
 * offsets, checksum) before the model is allocated; every problem is an
 * Error naming the file and what is wrong.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Sequential } from '../model.js';
import { expectedMessage, typeError } from '../errors.js';
import { decodeModelBuffer, hasMagic } from './buffer.js';
import { MODEL_FILE, WEIGHTS_FILE, checkBinary, checkSize, formatError, validateManifest } from './format.js';
import { restoreModel } from './restore.js';
import { isTfjsModelJson, loadTfjsModel } from './tfjs.js';
import { isQuantizedManifest, loadQuantized } from '../quantize/io.js';
import type { QuantizedModel } from '../quantize/quantized-model.js';

/**
 * Loads a model saved by `model.save(dir)` / `model.toBuffer()`, or a TensorFlow.js layers model.json; a folder
 * written by `quantizedModel.save(dir)` gives a QuantizedModel (`nn.loadModel<nn.QuantizedModel>(dir)` types it).
 */
export async function loadModel<M = Sequential>(source: string | Uint8Array | ArrayBuffer): Promise<M> {
  return (await loadAny(source)) as M;
}

/** What loadModel finds: a Sequential, or a QuantizedModel for a folder written by quantizedModel.save(). */
async function loadAny(source: string | Uint8Array | ArrayBuffer): Promise<Sequential | QuantizedModel> {
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (source instanceof Uint8Array) {
    const { manifest, binary } = decodeModelBuffer(source);
    return restoreModel(manifest, binary, 'the model buffer');
  }
  if (typeof source !== 'string' || source.length === 0)
    throw typeError(
      'a folder written by model.save(), a model.json path, or a Buffer from model.toBuffer()',
      'source',
      source,
    );
  const path = resolve(source);
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw new Error(
      expectedMessage(
        'a saved model (a folder with model.json and weights.bin, a model.json file, or a model buffer file)',
        'source',
        `${JSON.stringify(path)}, which does not exist`,
      ),
    );
  const file = info.isDirectory() ? join(path, MODEL_FILE) : path;
  const bytes = await readFirst(file, info.isDirectory() ? path : undefined);
  if (hasMagic(bytes)) {
    const { manifest, binary } = decodeModelBuffer(bytes, file);
    return restoreModel(manifest, binary, file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw formatError('valid JSON', file, `text that does not parse (${(e as Error).message})`);
  }
  if (isTfjsModelJson(parsed)) return loadTfjsModel(parsed, file);
  if (isQuantizedManifest(parsed)) return loadQuantized(parsed as Record<string, unknown>, file, dirname(file));
  const manifest = validateManifest(parsed, file);
  const weightsFile = join(dirname(file), WEIGHTS_FILE);
  // The size is checked before the file is read, so a wrong or huge file is never loaded.
  const size = (await stat(weightsFile).catch(() => undefined))?.size;
  if (size !== undefined) checkSize(manifest, size, weightsFile, file);
  const binary = await readFile(weightsFile).catch((e: NodeJS.ErrnoException) => {
    throw formatError(
      `the weights file ${WEIGHTS_FILE} next to ${MODEL_FILE}`,
      weightsFile,
      e.code === 'ENOENT' ? 'a missing file' : `a file that cannot be read (${e.message})`,
    );
  });
  checkBinary(manifest, binary, weightsFile, file);
  return restoreModel(manifest, binary, file);
}

async function readFirst(file: string, folder: string | undefined): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (folder !== undefined && err.code === 'ENOENT')
      throw formatError(
        `a model folder containing ${MODEL_FILE}`,
        JSON.stringify(folder),
        `a folder without ${MODEL_FILE}`,
      );
    throw formatError('a readable file', file, `a file that cannot be read (${err.message})`);
  }
}
