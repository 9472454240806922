/** Cross-validation folds: plain k-fold and stratified k-fold index sets (scikit-learn semantics). */
import { expectedMessage, rangeError, typeError } from '../errors.js';
import { checkBoolean, checkInteger, checkKnownKeys, checkOptions } from '../validate.js';
import { classIds } from './labels.js';
import { randomFromOption } from './random.js';

/** Options of {@link kFold} and {@link stratifiedKFold}. */
export interface KFoldOptions {
  /** Shuffle before assigning rows to folds (default false: folds are consecutive runs of rows). */
  shuffle?: boolean;
  /** Seed for the shuffle (an integer from 0 to 2^32 - 1); defaults to the global seed, else random. */
  seed?: number;
}

/** One fold: the rows to train on and the rows to test on (each sorted ascending, together all rows). */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

function parseOptions(options: unknown) {
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['shuffle', 'seed'], 'options');
  const shuffle = opts.shuffle === undefined ? false : checkBoolean(opts.shuffle, 'options.shuffle');
  const rng = shuffle || opts.seed !== undefined ? randomFromOption(opts.seed) : undefined;
  return { shuffle, rng };
}

function checkK(k: unknown, n: number): number {
  const what = `an integer from 2 to ${n} (the number of rows)`;
  if (typeof k !== 'number') throw typeError(what, 'k', k);
  if (!Number.isInteger(k) || k < 2 || k > n) throw rangeError(what, 'k', k);
  return k;
}

/** Folds from a fold number per row. */
function foldsFromAssignment(assignment: Int32Array, k: number): Fold[] {
  const sizes = new Int32Array(k);
  for (const f of assignment) sizes[f]!++;
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(sizes[f]!);
    const train = new Int32Array(assignment.length - sizes[f]!);
    let t = 0;
    let r = 0;
    for (let i = 0; i < assignment.length; i++) {
      if (assignment[i] === f) test[t++] = i;
      else train[r++] = i;
    }
    folds.push({ train, test });
  }
  return folds;
}

/**
 * Splits `n` rows into `k` folds for cross-validation, like scikit-learn's `KFold`: the first
 * `n % k` folds have `floor(n / k) + 1` rows, the others `floor(n / k)`. Without shuffling the
 * folds are consecutive runs of rows; with it, rows are permuted first.
 *
 * @param n - the number of rows (an integer >= 2)
 * @param k - the number of folds (an integer from 2 to n)
 * @param options - `shuffle` (default false), `seed`
 * @returns k folds `{ train, test }` of row indices (sorted), each test part disjoint from the others
 * @example
 * ```ts
 * for (const { train, test } of nn.data.kFold(x.shape[0], 5, { shuffle: true, seed: 1 })) {
 *   const xTrain = nn.data.gatherRows(x, train);
 * }
 * ```
 */
export function kFold(n: number, k: number, options?: KFoldOptions): Fold[] {
  checkInteger(n, 'n', { min: 2 });
  checkK(k, n);
  const { shuffle, rng } = parseOptions(options);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle && rng) rng.shuffle(order);
  const assignment = new Int32Array(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  let pos = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let j = 0; j < size; j++) assignment[order[pos++]!] = f;
  }
  return foldsFromAssignment(assignment, k);
}

/**
 * Splits rows into `k` folds that each keep the class proportions of `labels`, like
 * scikit-learn's `StratifiedKFold` (same allocation rule: each class is dealt across the folds as
 * evenly as possible, and the fold sizes differ by at most one). A class with fewer than `k`
 * members is simply missing from some test folds.
 *
 * @param labels - one class label per row: `[n]` or `[n, 1]` (any numbers, e.g. class ids), or
 *   one-hot rows `[n, classes]`; a Tensor, an array or a typed array
 * @param k - the number of folds (an integer from 2 to n)
 * @param options - `shuffle` (default false: each class's rows go to folds in order), `seed`
 * @returns k folds `{ train, test }` of row indices (sorted)
 * @example
 * ```ts
 * const { x, y } = nn.datasets.wine();
 * const folds = nn.data.stratifiedKFold(y, 5, { shuffle: true, seed: 0 });
 * ```
 */
export function stratifiedKFold(labels: unknown, k: number, options?: KFoldOptions): Fold[] {
  const { ids, classes } = classIds(labels, 'labels');
  const n = ids.length;
  if (n < 2)
    throw new RangeError(expectedMessage('at least 2 labels', 'labels', `${n} label${n === 1 ? '' : 's'}`));
  checkK(k, n);
  const { shuffle, rng } = parseOptions(options);
  // scikit-learn: sort the encoded labels, deal them round-robin to the folds, and count per fold and class.
  const counts = new Int32Array(classes);
  for (const id of ids) counts[id]!++;
  const sorted = new Int32Array(n);
  let p = 0;
  for (let c = 0; c < classes; c++) for (let j = 0; j < counts[c]!; j++) sorted[p++] = c;
  const allocation = new Int32Array(k * classes); // [fold][class]
  for (let i = 0; i < n; i++) allocation[(i % k) * classes + sorted[i]!]!++;
  // Each class's rows, in order (or shuffled), get fold numbers 0,0,..,1,1,.. as allocated.
  const assignment = new Int32Array(n);
  const members: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < n; i++) members[ids[i]!]!.push(i);
  for (let c = 0; c < classes; c++) {
    const foldOf = new Int32Array(counts[c]!);
    let q = 0;
    for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f * classes + c]!; j++) foldOf[q++] = f;
    if (shuffle && rng) rng.shuffle(foldOf);
    const m = members[c]!;
    for (let j = 0; j < m.length; j++) assignment[m[j]!] = foldOf[j]!;
  }
  return foldsFromAssignment(assignment, k);
}
