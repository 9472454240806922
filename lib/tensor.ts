/**
 * The tensor boundary: row-major float32 data with a shape. A Float32Array is
 * used in place (no copy); nested arrays and flat arrays with a shape are
 * copied into a new Float32Array.
 */
import { describe, expectedMessage, typeError } from './errors.js';

/** Nested arrays of numbers, any depth. */
export type NestedArray = number | NestedArray[];
/** Anything accepted where a tensor is expected. */
export type TensorLike = Tensor | Float32Array | ArrayLike<number> | NestedArray[];

export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The product of the shape. */
  readonly size: number;
  /** The values, row-major. Shared, not copied, when the tensor was made from a Float32Array. */
  readonly data: Float32Array;

  /**
   * Use {@link tensor} to make tensors; this constructor trusts its arguments.
   * A frozen shape array is kept as it is (it cannot change); any other is
   * copied and frozen (freezing a new array costs ~0.1 µs, which matters to
   * small products called in a loop).
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    this.data = data;
    this.shape = Array.isArray(shape) && Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.size = data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Nested arrays of numbers with this tensor's shape (a number for rank 0). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The same data seen with another shape of the same size (no copy). */
  reshape(shape: readonly number[]): Tensor {
    checkShape(shape, this.size, 'shape');
    return new Tensor(this.data, shape);
  }

  /** Rows `start` (inclusive) to `end` (exclusive) of the first dimension, as a view (no copy). */
  slice(start: number, end: number): Tensor {
    const rows = this.shape[0] ?? 0;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > rows || start > end)
      throw new RangeError(expectedMessage(`0 <= start <= end <= ${rows}`, 'slice', `[${start}, ${end}]`));
    const stride = this.size / (rows || 1);
    return new Tensor(this.data.subarray(start * stride, end * stride), [end - start, ...this.shape.slice(1)]);
  }

  toString(): string {
    return `Tensor[${this.shape.join(', ')}]`;
  }
}

function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/** Checks a shape (non-negative integers) and, when `length` is given, that its product matches. */
export function checkShape(shape: unknown, length: number | undefined, argument = 'shape'): number[] {
  if (!Array.isArray(shape)) throw typeError('an array of non-negative integers', argument, shape);
  for (const d of shape)
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      throw new RangeError(expectedMessage('an array of non-negative integers', argument, formatShape(shape)));
  if (length !== undefined) {
    const product = shape.reduce((a: number, b: number) => a * b, 1);
    if (product !== length)
      throw new RangeError(
        expectedMessage(`a shape whose product is ${length}`, `values of length ${length}`, formatShape(shape)),
      );
  }
  return shape as number[];
}

function inferShape(values: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

/** Flattens a rectangular nested array into `out`, checking every element. */
function flatten(values: unknown, shape: number[], dim: number, out: Float32Array, pos: { i: number }, path: string) {
  if (dim === shape.length) {
    if (typeof values !== 'number') throw typeError('a number', path, values);
    out[pos.i++] = values;
    return;
  }
  if (!Array.isArray(values))
    throw typeError(`an array of length ${shape[dim]} (the array is not rectangular)`, path, values);
  if (values.length !== shape[dim])
    throw new RangeError(
      expectedMessage(
        `an array of length ${shape[dim]} (the array is not rectangular)`,
        path,
        `an array of length ${values.length}`,
      ),
    );
  for (let i = 0; i < values.length; i++) flatten(values[i], shape, dim + 1, out, pos, `${path}[${i}]`);
}

/**
 * Makes a tensor.
 * - `Float32Array`: used in place (no copy); `shape` defaults to `[length]`.
 * - Other typed arrays and flat number arrays: copied; `shape` defaults to `[length]`.
 * - Nested arrays: copied; the shape is inferred (and must equal `shape` when given).
 * - A `Tensor`: returned as is, or reshaped (no copy) when `shape` is given.
 */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  return toTensor(values, 'values', shape);
}

/** Like {@link tensor}, naming `argument` in errors. Internal helper for every function taking tensors. */
export function toTensor(values: unknown, argument: string, shape?: readonly number[]): Tensor {
  if (values instanceof Tensor) return shape === undefined ? values : values.reshape(shape);
  if (values instanceof Float32Array) {
    const s = shape === undefined ? [values.length] : checkShape(shape, values.length);
    return new Tensor(values, s);
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    if (typeof (values as unknown as { [0]: unknown })[0] === 'bigint')
      throw typeError('numbers (a BigInt array cannot be converted)', argument, values);
    const copy = Float32Array.from(values as unknown as ArrayLike<number>);
    return new Tensor(copy, shape === undefined ? [copy.length] : checkShape(shape, copy.length));
  }
  if (!Array.isArray(values)) throw typeError('a Tensor, a Float32Array or an array of numbers', argument, values);
  const nested = values.length > 0 && Array.isArray(values[0]);
  if (!nested) {
    const data = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') throw typeError('a number', `${argument}[${i}]`, v);
      data[i] = v;
    }
    return new Tensor(data, shape === undefined ? [data.length] : checkShape(shape, data.length));
  }
  const inferred = inferShape(values);
  const size = inferred.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  flatten(values, inferred, 0, data, { i: 0 }, argument);
  if (shape !== undefined) {
    checkShape(shape, size);
    return new Tensor(data, shape);
  }
  return new Tensor(data, inferred);
}

/** A 2-D view of a tensor-like argument: `[rows, cols]`; a 1-D input is one column unless `vectorAsRow`. */
export function toMatrix(values: unknown, argument: string, vectorAsRow = false): Tensor {
  const t = toTensor(values, argument);
  if (t.rank === 2) return t;
  if (t.rank === 1) return t.reshape(vectorAsRow ? [1, t.size] : [t.size, 1]);
  throw new RangeError(
    expectedMessage('a 2-D tensor [rows, columns]', argument, `a tensor of shape [${t.shape.join(', ')}]`),
  );
}

/**
 * Caller-provided storage for a rows x cols result (an `out` option): a Tensor
 * of shape [rows, cols] or a Float32Array of rows * cols values. Returns its
 * Float32Array; a clear error naming `argument` otherwise.
 */
export function outputStorage(v: unknown, rows: number, cols: number, argument: string): Float32Array {
  // Built only for an error: formatting it costs more than the rest of a small call's checks.
  const expected = () => `a Tensor of shape [${rows}, ${cols}] or a Float32Array of ${rows * cols} values`;
  if (v instanceof Tensor) {
    if (v.rank !== 2 || v.shape[0] !== rows || v.shape[1] !== cols)
      throw new RangeError(expectedMessage(expected(), argument, `a tensor of shape [${v.shape.join(', ')}]`));
    return v.data;
  }
  if (v instanceof Float32Array) {
    if (v.length !== rows * cols)
      throw new RangeError(expectedMessage(expected(), argument, `a Float32Array of ${v.length} values`));
    return v;
  }
  throw typeError(expected(), argument, v);
}
