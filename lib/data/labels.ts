/** Class labels: one-hot encoding, arg-max decoding, and label normalisation for stratification. */
import { expectedMessage, rangeError } from '../errors.js';
import { Tensor, toMatrix, toTensor } from '../tensor.js';
import { checkInteger } from '../validate.js';

/** Labels as a flat list: `[n]` or `[n, 1]` tensors (anything tensor-like). */
function labelVector(labels: unknown, argument: string): Tensor {
  const t = toTensor(labels, argument);
  if (t.rank === 1) return t;
  if (t.rank === 2 && t.shape[1] === 1) return t.reshape([t.size]);
  throw new RangeError(
    expectedMessage('labels of shape [n] or [n, 1]', argument, `a tensor of shape [${t.shape.join(', ')}]`),
  );
}

/**
 * One-hot encodes class ids.
 *
 * @param labels - class ids, shape `[n]` or `[n, 1]` (a Tensor, an array, an Int32Array…);
 *   each an integer in [0, numClasses)
 * @param numClasses - the number of classes (an integer >= 1); defaults to the largest id + 1
 * @returns a Tensor `[n, numClasses]` with a 1 in each row's class column and 0 elsewhere
 * @example
 * ```ts
 * nn.data.oneHot([0, 2, 1], 3).toArray(); // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 * ```
 */
export function oneHot(labels: unknown, numClasses?: number): Tensor {
  const ids = labelVector(labels, 'labels');
  let k: number;
  if (numClasses === undefined) {
    k = 0;
    for (let i = 0; i < ids.size; i++) {
      const v = ids.data[i]!;
      if (!Number.isInteger(v) || v < 0) throw rangeError('a non-negative integer class id', `labels[${i}]`, v);
      k = Math.max(k, v + 1);
    }
  } else {
    k = checkInteger(numClasses, 'numClasses', { min: 1, max: 2 ** 31 - 1 });
  }
  const n = ids.size;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const v = ids.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= k)
      throw rangeError(`an integer class id from 0 to ${k - 1}`, `labels[${i}]`, v);
    out[i * k + v] = 1;
  }
  return new Tensor(out, [n, k]);
}

/**
 * The index of the largest value in each row (the first one on ties; NaN is never the largest),
 * e.g. to turn predicted probabilities or one-hot rows into class ids.
 *
 * @param tensor - a 2-D tensor `[rows, columns]` with at least one column; a 1-D tensor is one row
 * @returns an Int32Array with one column index per row
 * @example
 * ```ts
 * nn.data.argMax([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]); // Int32Array [1, 0]
 * ```
 */
export function argMax(tensor: unknown): Int32Array {
  const m = toMatrix(tensor, 'tensor', true);
  const rows = m.shape[0]!;
  const cols = m.shape[1]!;
  if (cols === 0)
    throw new RangeError(
      expectedMessage('a tensor with at least one column', 'tensor', `a tensor of shape [${m.shape.join(', ')}]`),
    );
  const out = new Int32Array(rows);
  const d = m.data;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let best = 0;
    let bestValue = d[base]!;
    for (let c = 1; c < cols; c++) {
      const v = d[base + c]!;
      if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
        best = c;
        bestValue = v;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * Encodes labels as dense class numbers 0..classes-1 in order of first appearance (as scikit-learn
 * does for stratification). `[n]` and `[n, 1]` hold one label per row (any finite numbers);
 * `[n, c]` with c > 1 holds one-hot (or probability) rows, decoded with {@link argMax}.
 */
export function classIds(labels: unknown, argument: string): { ids: Int32Array; classes: number } {
  const t = toTensor(labels, argument);
  let values: ArrayLike<number>;
  if (t.rank === 2 && (t.shape[1] ?? 0) > 1) values = argMax(t);
  else values = labelVector(t, argument).data;
  const seen = new Map<number, number>();
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw rangeError('a finite class label', `${argument}[${i}]`, v);
    let id = seen.get(v);
    if (id === undefined) {
      id = seen.size;
      seen.set(v, id);
    }
    ids[i] = id;
  }
  return { ids, classes: seen.size };
}
