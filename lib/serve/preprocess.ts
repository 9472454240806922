/**
 * A model folder's preprocessing.json (written by `simdnn train`, copied by `simdnn quantize`), applied by
 * the server as `simdnn predict` applies it: the raw features of each row are standardized before the
 * model sees them, and a regression model's outputs are mapped back to the target's units
 * (`output * std + mean`). Clients therefore send the same rows they would give `simdnn predict`.
 */
import { join } from 'node:path';
import { StandardScaler } from '../data/scalers.js';
import { PREPROCESSING_FILE, readPreprocessing, type Preprocessing } from '../cli/preprocessing.js';
import { Tensor } from '../tensor.js';

export { PREPROCESSING_FILE };

/** What a served version does to its rows before and after the model. */
export interface RowTransform {
  /** The file it came from (for messages and logs). */
  readonly file: string;
  /** Standardized copies of `rows` raw samples stored flat in `x`. */
  inputs(x: Float32Array, rows: number): Float32Array;
  /** The outputs in the units the client expects (`y` itself when nothing changes; never written to). */
  outputs(y: Float32Array): Float32Array;
}

/**
 * The transform of `dir`'s preprocessing.json for a model taking samples of `inputShape`, or undefined when
 * the folder has none. Throws when the file cannot be read or does not fit the model.
 */
export async function readRowTransform(dir: string, inputShape: readonly number[]): Promise<RowTransform | undefined> {
  const pre = await readPreprocessing(dir);
  if (!pre) return undefined;
  const file = join(dir, PREPROCESSING_FILE);
  return makeRowTransform(pre, inputShape, file);
}

function makeRowTransform(pre: Preprocessing, inputShape: readonly number[], file: string): RowTransform {
  let scaler: StandardScaler;
  try {
    scaler = StandardScaler.fromJSON(pre.scaler);
  } catch (err) {
    throw new Error(`${file} has an unreadable scaler: ${(err as Error).message}`, { cause: err });
  }
  const size = inputShape.reduce((a, b) => a * b, 1);
  // A scaler fitted on flat rows (what simdnn train writes) takes [n, features]; one fitted per channel or
  // on [n, ...sampleShape] takes the model's sample shape.
  const nd = scaler.perChannel || pre.scaler.sampleShape !== undefined;
  const shapeOf = (rows: number) => (nd ? [rows, ...inputShape] : [rows, size]);
  try {
    scaler.transform(new Tensor(new Float32Array(size), shapeOf(1)));
  } catch (err) {
    throw new Error(
      `${file} does not fit the model, whose samples have shape [${inputShape.join(', ')}] (${size} features): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const mean = pre.task === 'regression' ? pre.target?.mean : undefined;
  const std = pre.task === 'regression' ? pre.target?.std : undefined;
  const rescale =
    typeof mean === 'number' && typeof std === 'number' && Number.isFinite(mean) && Number.isFinite(std)
      ? { mean, std }
      : undefined;
  return {
    file,
    inputs: (x, rows) => scaler.transform(new Tensor(x, shapeOf(rows))).data,
    outputs: (y) => (rescale ? Float32Array.from(y, (v) => v * rescale.std + rescale.mean) : y),
  };
}
