/** Splitting a data set into a training part and a test part. */
import { expectedMessage, rangeError, typeError } from '../errors.js';
import { Tensor, toTensor } from '../tensor.js';
import { checkBoolean, checkKnownKeys, checkOptions } from '../validate.js';
import { classIds } from './labels.js';
import { Random, randomFromOption } from './random.js';
import { gatherUnchecked, rowInfo } from './rows.js';

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * The test part: a fraction in (0, 1) of the rows (rounded up, as scikit-learn does), or an integer
   * count from 1 to rows - 1. Default 0.25.
   */
  testSize?: number;
  /** Shuffle the rows before splitting (default true). Without shuffling the test part is the last rows. */
  shuffle?: boolean;
  /** Seed for the shuffle (an integer from 0 to 2^32 - 1); defaults to the global seed, else random. */
  seed?: number;
  /**
   * Keep each class's share the same in both parts (default false), taking `y` as class labels
   * (`[n]` or `[n, 1]`) or one-hot rows (`[n, classes]`). Needs `shuffle: true`.
   */
  stratify?: boolean;
}

/** The result of {@link trainTestSplit}: new tensors (copies) plus the row indices used. */
export interface TrainTestSplit {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Tensor;
  yTest: Tensor;
  /** Rows of `x` and `y` that went to the training part, in order. */
  trainIndices: Int32Array;
  /** Rows of `x` and `y` that went to the test part, in order. */
  testIndices: Int32Array;
}

/** Number of test rows for `testSize` out of `n` rows, validated. */
function testCount(testSize: unknown, n: number): number {
  const what =
    n >= 2
      ? `a fraction in (0, 1) or an integer count from 1 to ${n - 1}`
      : 'a fraction in (0, 1) or an integer count (and at least 2 rows)';
  if (typeof testSize !== 'number') throw typeError(what, 'options.testSize', testSize);
  let count: number;
  if (Number.isInteger(testSize)) count = testSize;
  else if (testSize > 0 && testSize < 1) count = Math.ceil(testSize * n - 1e-9);
  else throw rangeError(what, 'options.testSize', testSize);
  if (count < 1 || count > n - 1) {
    if (Number.isInteger(testSize)) throw rangeError(what, 'options.testSize', testSize);
    throw new RangeError(
      expectedMessage(
        `a testSize that leaves at least one row in each part of ${n} rows`,
        'options.testSize',
        `${testSize} (${count} test rows)`,
      ),
    );
  }
  return count;
}

/** Per-class test counts summing to `nTest`, proportional to class sizes (largest remainders). */
function allocate(counts: number[], n: number, nTest: number): number[] {
  const exact = counts.map((c) => (c * nTest) / n);
  const out = exact.map((e) => Math.floor(e));
  let left = nTest - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rem: e - Math.floor(e) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (out[i]! < counts[i]!) {
      out[i]!++;
      left--;
    }
  }
  return out;
}

function stratifiedIndices(ids: Int32Array, classes: number, nTest: number, rng: Random) {
  const members: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < ids.length; i++) members[ids[i]!]!.push(i);
  const perClass = allocate(
    members.map((m) => m.length),
    ids.length,
    nTest,
  );
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((m, c) => {
    rng.shuffle(m);
    const k = perClass[c]!;
    for (let j = 0; j < m.length; j++) (j < k ? test : train).push(m[j]!);
  });
  return { train: rng.shuffle(Int32Array.from(train)), test: rng.shuffle(Int32Array.from(test)) };
}

/**
 * Splits rows of `x` and `y` into a training part and a test part (like scikit-learn's
 * `train_test_split`). Rows are the first dimension; `x` and `y` must have the same number.
 *
 * @param x - features, e.g. `[n, features]` (any tensor-like value)
 * @param y - targets with n rows: class ids `[n]`, one-hot `[n, classes]`, or regression targets
 * @param options - `testSize` (default 0.25), `shuffle` (default true), `seed`, `stratify` (default false)
 * @returns `{ xTrain, xTest, yTrain, yTest, trainIndices, testIndices }`; the tensors are copies
 * @example
 * ```ts
 * const { x, y } = nn.datasets.iris();
 * const { xTrain, xTest, yTrain, yTest } = nn.data.trainTestSplit(x, y, { testSize: 0.2, seed: 42, stratify: true });
 * ```
 */
export function trainTestSplit(x: unknown, y: unknown, options?: TrainTestSplitOptions): TrainTestSplit {
  const xs = toTensor(x, 'x');
  const ys = toTensor(y, 'y');
  if (xs.rank === 0) throw new RangeError(expectedMessage('a tensor with rows', 'x', 'a scalar tensor'));
  if (ys.rank === 0) throw new RangeError(expectedMessage('a tensor with rows', 'y', 'a scalar tensor'));
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['testSize', 'shuffle', 'seed', 'stratify'], 'options');
  const n = rowInfo(xs).rows;
  const ny = rowInfo(ys).rows;
  if (ny !== n)
    throw new RangeError(expectedMessage(`${n} rows (as many as x)`, 'y', `a tensor of shape [${ys.shape.join(', ')}]`));
  const shuffle = opts.shuffle === undefined ? true : checkBoolean(opts.shuffle, 'options.shuffle');
  const stratify = opts.stratify === undefined ? false : checkBoolean(opts.stratify, 'options.stratify');
  const nTest = testCount(opts.testSize === undefined ? 0.25 : opts.testSize, n);
  if (stratify && !shuffle)
    throw new RangeError(expectedMessage('true (stratify needs shuffling)', 'options.shuffle', 'false'));
  const rng = randomFromOption(opts.seed);

  let trainIndices: Int32Array;
  let testIndices: Int32Array;
  if (stratify) {
    const { ids, classes } = classIds(ys, 'y');
    ({ train: trainIndices, test: testIndices } = stratifiedIndices(ids, classes, nTest, rng));
  } else {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) {
      rng.shuffle(order);
      // scikit-learn's convention for shuffled splits: the first rows of the permutation are the test part.
      testIndices = order.slice(0, nTest);
      trainIndices = order.slice(nTest);
    } else {
      trainIndices = order.slice(0, n - nTest);
      testIndices = order.slice(n - nTest);
    }
  }
  return {
    xTrain: gatherUnchecked(xs, trainIndices),
    xTest: gatherUnchecked(xs, testIndices),
    yTrain: gatherUnchecked(ys, trainIndices),
    yTest: gatherUnchecked(ys, testIndices),
    trainIndices,
    testIndices,
  };
}
