/** Selecting rows (the first dimension) of tensors by index. */
import { expectedMessage, typeError } from '../errors.js';
import { Tensor, toTensor } from '../tensor.js';

/** Rows (first dimension) of a tensor, and the size of one row. */
export function rowInfo(t: Tensor): { rows: number; stride: number } {
  const rows = t.shape[0] ?? 0;
  const stride = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { rows, stride };
}

/** Copies the rows `indices` of `t` into a new tensor (indices already checked). */
export function gatherUnchecked(t: Tensor, indices: ArrayLike<number>): Tensor {
  const { stride } = rowInfo(t);
  const out = new Float32Array(indices.length * stride);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    out.set(t.data.subarray(r * stride, (r + 1) * stride), i * stride);
  }
  return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
}

function checkIndices(indices: unknown, rows: number, argument: string): ArrayLike<number> {
  const ok =
    Array.isArray(indices) ||
    indices instanceof Int32Array ||
    indices instanceof Uint32Array ||
    indices instanceof Uint16Array ||
    indices instanceof Uint8Array ||
    indices instanceof Float64Array ||
    indices instanceof Float32Array;
  if (!ok) throw typeError('an array or Int32Array of row indices', argument, indices);
  const list = indices as ArrayLike<unknown>;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number') throw typeError('an integer row index', `${argument}[${i}]`, v);
    if (!Number.isInteger(v) || v < 0 || v >= rows)
      throw new RangeError(
        expectedMessage(
          rows === 0 ? 'no index (the tensor has no rows)' : `an integer row index from 0 to ${rows - 1}`,
          `${argument}[${i}]`,
          String(v),
        ),
      );
  }
  return list as ArrayLike<number>;
}

function checkRanked(t: Tensor, argument: string): void {
  if (t.rank === 0)
    throw new RangeError(expectedMessage('a tensor with at least one dimension', argument, 'a scalar tensor'));
}

/**
 * Copies the given rows (first-dimension entries) of a tensor into a new tensor, in the given order.
 *
 * @param tensor - a Tensor of rank >= 1
 * @param indices - row indices, each an integer in [0, rows); repeats are allowed
 * @returns a new Tensor of shape `[indices.length, ...tensor.shape.slice(1)]`
 * @example
 * ```ts
 * const firstAndLast = nn.data.gatherRows(x, Int32Array.of(0, x.shape[0] - 1));
 * ```
 */
export function gatherRows(tensor: Tensor, indices: Int32Array): Tensor {
  if (!(tensor instanceof Tensor)) throw typeError('a Tensor', 'tensor', tensor);
  checkRanked(tensor, 'tensor');
  if (!(indices instanceof Int32Array)) throw typeError('an Int32Array of row indices', 'indices', indices);
  return gatherUnchecked(tensor, checkIndices(indices, rowInfo(tensor).rows, 'indices'));
}

/**
 * Like {@link gatherRows}, but accepting anything tensor-like for `x` (a Tensor, a Float32Array,
 * nested arrays) and any array of indices (a number[] or a typed array).
 *
 * @param x - the rows to select from (rank >= 1)
 * @param indices - row indices, each an integer in [0, rows)
 * @returns a new Tensor of shape `[indices.length, ...shape.slice(1)]`
 * @example
 * ```ts
 * const xs = nn.data.take([[1, 2], [3, 4], [5, 6]], [2, 0]); // [[5, 6], [1, 2]]
 * ```
 */
export function take(x: unknown, indices: ArrayLike<number>): Tensor {
  const t = toTensor(x, 'x');
  checkRanked(t, 'x');
  return gatherUnchecked(t, checkIndices(indices, rowInfo(t).rows, 'indices'));
}
