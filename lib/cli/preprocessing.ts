/** `preprocessing.json`, written next to a model by `simdnn train` and applied by `simdnn predict`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StandardScalerJSON } from '../data/scalers.js';
import type { Task } from './data.js';

export const PREPROCESSING_FILE = 'preprocessing.json';

export interface Preprocessing {
  format: 'simdnn-preprocessing';
  version: 1;
  task: Task;
  /** Feature column names, in the model's input order. */
  featureNames: string[];
  /** The model's sample shape when it takes images (`[h, w, c]`): standardized rows are reshaped to it. */
  inputShape?: number[];
  /** Feature standardization fitted on the training data. */
  scaler: StandardScalerJSON;
  target: {
    name?: string;
    /** 0-based position of the target column in the training CSV, when known. */
    position?: number;
    /** Class names by class id (classification). */
    classNames?: string[];
    /** Target standardization (regression): predictions are `output * std + mean`. */
    mean?: number;
    std?: number;
  };
  /** Where the data came from and how the model was trained (for reference). */
  training: Record<string, unknown>;
}

/** Reads DIR/preprocessing.json; undefined when the file does not exist. */
export async function readPreprocessing(dir: string): Promise<Preprocessing | undefined> {
  const file = join(dir, PREPROCESSING_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: Preprocessing;
  try {
    json = JSON.parse(text) as Preprocessing;
  } catch (err) {
    throw new Error(`Cannot parse ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (json?.format !== 'simdnn-preprocessing' || !Array.isArray(json.featureNames) || !json.scaler)
    throw new Error(`${file} is not a preprocessing file written by simdnn train`);
  return json;
}
