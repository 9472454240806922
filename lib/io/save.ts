/**
 * model.save(dir): writes `weights.bin`, then `model.json`, each atomically
 * (temp file + rename). model.json goes last: a reader never sees a new
 * description before its weights, and if a crash falls between the two
 * renames, the old model.json's checksum no longer matches the new
 * weights.bin, so loading fails clearly instead of returning a mixed model.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Sequential } from '../model.js';
import { expectedMessage, typeError } from '../errors.js';
import { checkBoolean, checkKnownKeys, checkOptions } from '../validate.js';
import { writeFileAtomic } from './atomic.js';
import { MODEL_FILE, WEIGHTS_FILE, encodeModel } from './format.js';

export interface SaveOptions {
  /** Save the optimizer state (moments, step count) so training resumes exactly. Default true. */
  includeOptimizer?: boolean;
}

/** Saves `model` into the folder `dir` (created if missing): model.json and weights.bin. */
export async function saveModel(model: Sequential, dir: string, options: SaveOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw typeError('a folder path (a non-empty string)', 'path', dir);
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['includeOptimizer'], 'save options');
  const includeOptimizer =
    o.includeOptimizer === undefined ? true : checkBoolean(o.includeOptimizer, 'includeOptimizer');
  const folder = resolve(dir);
  const existing = await stat(folder).catch(() => undefined);
  if (existing && !existing.isDirectory())
    throw new Error(
      expectedMessage(
        'a folder (or a path where one can be created)',
        'path',
        `${JSON.stringify(folder)}, which is a file`,
      ),
    );
  const { manifest, binary } = encodeModel(model, includeOptimizer);
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(join(folder, WEIGHTS_FILE), binary);
  await writeFileAtomic(join(folder, MODEL_FILE), JSON.stringify(manifest, null, 2) + '\n');
}
