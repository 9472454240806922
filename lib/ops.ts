/** Per-op tensor functions: dot and matrix products. */
import { expectedMessage } from './errors.js';
import { native } from './native.js';
import { Tensor, outputStorage, toTensor } from './tensor.js';
import { checkBoolean, checkKnownKeys, checkOptions } from './validate.js';

export interface MatmulOptions {
  /** Use the transpose of `a`. */
  transposeA?: boolean;
  /** Use the transpose of `b`. */
  transposeB?: boolean;
  /**
   * Write the product into this storage instead of a new one: a Tensor of
   * shape [m, n] or a Float32Array of m * n values, sharing no memory with `a`
   * or `b`. Reusing it call after call saves allocating (and the operating
   * system zeroing) fresh memory for every product. The result is returned as
   * a Tensor over it. matmulAsync writes it when its promise resolves.
   */
  out?: Tensor | Float32Array;
}

function matrix(v: unknown, argument: string): Tensor {
  const t = toTensor(v, argument);
  if (t.rank !== 2)
    throw new RangeError(expectedMessage('a 2-D tensor', argument, `a tensor of shape [${t.shape.join(', ')}]`));
  return t;
}

/** Whether two typed arrays share any byte of memory. */
function overlaps(x: Float32Array, y: Float32Array): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/**
 * The storage of options.out. Whether it overlaps a or b is checked here for
 * matmulAsync (`checkOverlap`); the synchronous native call checks it itself,
 * by address, faster than reading the arrays' buffers here.
 */
function outStorage(v: unknown, m: number, n: number, a: Tensor, b: Tensor, checkOverlap: boolean): Float32Array {
  const data = outputStorage(v, m, n, 'options.out');
  if (checkOverlap)
    for (const [t, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const)
      if (overlaps(data, t.data))
        throw new RangeError(
          expectedMessage(`storage that shares no memory with ${name}`, 'options.out', `storage overlapping ${name}`),
        );
  return data;
}

function prepare(a: unknown, b: unknown, options: unknown, checkOverlap: boolean) {
  const ta = matrix(a, 'a');
  const tb = matrix(b, 'b');
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['transposeA', 'transposeB', 'out'], 'options');
  const transA = opts.transposeA === undefined ? false : checkBoolean(opts.transposeA, 'options.transposeA');
  const transB = opts.transposeB === undefined ? false : checkBoolean(opts.transposeB, 'options.transposeB');
  // Constant indices, no destructured pairs: this runs once per product, small ones included.
  const m = transA ? ta.shape[1]! : ta.shape[0]!;
  const k = transA ? ta.shape[0]! : ta.shape[1]!;
  const kb = transB ? tb.shape[1]! : tb.shape[0]!;
  const n = transB ? tb.shape[0]! : tb.shape[1]!;
  if (k !== kb)
    throw new RangeError(
      expectedMessage(
        `b with ${k} ${transB ? 'columns' : 'rows'} (the inner dimension of a${transA ? '^T' : ''} is ${k})`,
        'b',
        `a tensor of shape [${tb.shape.join(', ')}]${transB ? ' (transposed)' : ''}`,
      ),
    );
  const out = opts.out === undefined ? undefined : outStorage(opts.out, m, n, ta, tb, checkOverlap);
  return { ta, tb, m, n, k, transA, transB, out };
}

/** The product's storage; a product too large for one Float32Array is a RangeError in the house style. */
function allocateProduct(m: number, n: number): Float32Array {
  try {
    return new Float32Array(m * n);
  } catch {
    throw new RangeError(
      expectedMessage(
        'a product small enough for one Float32Array',
        'a · b',
        `shapes giving [${m}, ${n}] (${m * n} values)`,
      ),
    );
  }
}

/** The shape [m, n], frozen; the last one is reused while products keep their shape. */
let lastProductShape: readonly number[] = Object.freeze([0, 0]);
function productShape(m: number, n: number): readonly number[] {
  if (lastProductShape[0] !== m || lastProductShape[1] !== n) lastProductShape = Object.freeze([m, n]);
  return lastProductShape;
}

/** The matrix product `op(a) · op(b)` of two 2-D tensors, computed synchronously. */
export function matmul(a: unknown, b: unknown, options?: MatmulOptions): Tensor {
  const p = prepare(a, b, options, false);
  const out = p.out ?? allocateProduct(p.m, p.n);
  native.matmul(p.ta.data, p.tb.data, p.m, p.n, p.k, p.transA, p.transB, out);
  return new Tensor(out, productShape(p.m, p.n));
}

/**
 * The matrix product off the main thread (on the libuv pool). The inputs are
 * copied when the call starts, so they may be changed right after it.
 */
export async function matmulAsync(a: unknown, b: unknown, options?: MatmulOptions): Promise<Tensor> {
  const p = prepare(a, b, options, true);
  const stack = new Error();
  try {
    const result: Float32Array = await native.matmulAsync(p.ta.data, p.tb.data, p.m, p.n, p.k, p.transA, p.transB);
    if (!p.out) return new Tensor(result, [p.m, p.n]);
    p.out.set(result);
    return new Tensor(p.out, [p.m, p.n]);
  } catch (e) {
    if (e instanceof Error && stack.stack)
      e.stack = `${e.name}: ${e.message}\n${stack.stack.split('\n').slice(1).join('\n')}`;
    throw e;
  }
}

/** The dot product of two vectors of equal length. */
export function dot(a: unknown, b: unknown): number {
  const ta = toTensor(a, 'a');
  const tb = toTensor(b, 'b');
  if (ta.size !== tb.size)
    throw new RangeError(expectedMessage(`b with ${ta.size} elements (as many as a)`, 'b', `${tb.size} elements`));
  return native.dot(ta.data, tb.data);
}
