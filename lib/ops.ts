/** Per-op tensor functions: dot and matrix products. */
import { expectedMessage } from './errors.js';
import { native } from './native.js';
import { Tensor, toTensor } from './tensor.js';
import { checkBoolean, checkKnownKeys, checkOptions } from './validate.js';

export interface MatmulOptions {
  /** Use the transpose of `a`. */
  transposeA?: boolean;
  /** Use the transpose of `b`. */
  transposeB?: boolean;
}

function matrix(v: unknown, argument: string): Tensor {
  const t = toTensor(v, argument);
  if (t.rank !== 2)
    throw new RangeError(expectedMessage('a 2-D tensor', argument, `a tensor of shape [${t.shape.join(', ')}]`));
  return t;
}

function prepare(a: unknown, b: unknown, options: unknown) {
  const ta = matrix(a, 'a');
  const tb = matrix(b, 'b');
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['transposeA', 'transposeB'], 'options');
  const transA = opts.transposeA === undefined ? false : checkBoolean(opts.transposeA, 'options.transposeA');
  const transB = opts.transposeB === undefined ? false : checkBoolean(opts.transposeB, 'options.transposeB');
  const [m, k] = transA ? [ta.shape[1]!, ta.shape[0]!] : [ta.shape[0]!, ta.shape[1]!];
  const [kb, n] = transB ? [tb.shape[1]!, tb.shape[0]!] : [tb.shape[0]!, tb.shape[1]!];
  if (k !== kb)
    throw new RangeError(
      expectedMessage(
        `b with ${k} ${transB ? 'columns' : 'rows'} (the inner dimension of a${transA ? '^T' : ''} is ${k})`,
        'b',
        `a tensor of shape [${tb.shape.join(', ')}]${transB ? ' (transposed)' : ''}`,
      ),
    );
  return { ta, tb, m, n, k, transA, transB };
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

/** The matrix product `op(a) · op(b)` of two 2-D tensors, computed synchronously. */
export function matmul(a: unknown, b: unknown, options?: MatmulOptions): Tensor {
  const p = prepare(a, b, options);
  const out = allocateProduct(p.m, p.n);
  native.matmul(p.ta.data, p.tb.data, p.m, p.n, p.k, p.transA, p.transB, out);
  return new Tensor(out, [p.m, p.n]);
}

/**
 * The matrix product off the main thread (on the libuv pool). The inputs are
 * copied when the call starts, so they may be changed right after it.
 */
export async function matmulAsync(a: unknown, b: unknown, options?: MatmulOptions): Promise<Tensor> {
  const p = prepare(a, b, options);
  const stack = new Error();
  try {
    const out = await native.matmulAsync(p.ta.data, p.tb.data, p.m, p.n, p.k, p.transA, p.transB);
    return new Tensor(out, [p.m, p.n]);
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
