/** Reading request tensors (JSON rows, nested arrays, raw float32 bytes) into flat Float32Arrays, with 400 errors. */

/** An error answered with an HTTP status and `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function what(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * Writes one sample into out at `at`: `v` is a flat array of `size` numbers or nested arrays of
 * `shape` (a number when size is 1). `where` names the sample in messages.
 */
export function readSample(
  v: unknown,
  shape: readonly number[],
  size: number,
  out: Float32Array,
  at: number,
  where: string,
): void {
  if (typeof v === 'number' && size === 1) {
    if (!Number.isFinite(v)) throw badRequest(`Expected a finite number for ${where}, but received ${v}`);
    out[at] = v;
    return;
  }
  if (!Array.isArray(v))
    throw badRequest(
      `Expected an array of ${size} numbers (one sample of shape ${shapeText(shape)}) for ${where}, but received ${what(v)}`,
    );
  if (v.length === size && (shape.length === 1 || typeof v[0] === 'number')) {
    for (let i = 0; i < size; i++) {
      const e = v[i];
      if (typeof e !== 'number' || !Number.isFinite(e))
        throw badRequest(`Expected a finite number for ${where}[${i}], but received ${what(e)}`);
      out[at + i] = e;
    }
    return;
  }
  readNested(v, shape, 0, out, at, where);
}

function readNested(v: unknown, shape: readonly number[], dim: number, out: Float32Array, at: number, where: string) {
  const n = shape[dim]!;
  if (!Array.isArray(v) || v.length !== n)
    throw badRequest(
      `Expected ${dim === 0 ? `an array of ${shape.reduce((a, b) => a * b, 1)} numbers or ` : ''}nested arrays of shape ${shapeText(shape.slice(dim))} for ${where}, but received ${what(v)}`,
    );
  if (dim === shape.length - 1) {
    for (let i = 0; i < n; i++) {
      const e = v[i];
      if (typeof e !== 'number' || !Number.isFinite(e))
        throw badRequest(`Expected a finite number for ${where}[${i}], but received ${what(e)}`);
      out[at + i] = e;
    }
    return;
  }
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) readNested(v[i], shape, dim + 1, out, at + i * stride, `${where}[${i}]`);
}

/** Samples given as a list (TF Serving's "instances", a columnar "inputs", a KServe v2 nested data). */
export function readSamples(list: unknown, shape: readonly number[], size: number, where: string): Float32Array {
  if (!Array.isArray(list) || list.length === 0)
    throw badRequest(`Expected a non-empty array of samples for ${where}, but received ${what(list)}`);
  const out = new Float32Array(list.length * size);
  for (let r = 0; r < list.length; r++) readSample(list[r], shape, size, out, r * size, `${where}[${r}]`);
  return out;
}

/** Flat row-major numbers (KServe v2 "data" given flat). */
export function readFlat(list: unknown[], count: number, where: string): Float32Array {
  if (list.length !== count)
    throw badRequest(`Expected ${count} numbers (the product of the shape) for ${where}, but received ${list.length}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const e = list[i];
    if (typeof e !== 'number' || !Number.isFinite(e))
      throw badRequest(`Expected a finite number for ${where}[${i}], but received ${what(e)}`);
    out[i] = e;
  }
  return out;
}

/** Little-endian float32 bytes as a new Float32Array. */
export function readFloat32Bytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}

/** A Float32Array's values as little-endian bytes. */
export function float32Bytes(x: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const b = Buffer.alloc(x.length * 4);
  for (let i = 0; i < x.length; i++) b.writeFloatLE(x[i]!, i * 4);
  return b;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Rows of a flat output as nested arrays of the sample shape. */
export function outputRows(out: Float32Array, rows: number, shape: readonly number[]): unknown[] {
  const per = out.length / rows;
  const nest = (at: number, dim: number): unknown => {
    if (dim === shape.length - 1) return Array.from(out.subarray(at, at + shape[dim]!));
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[dim]! }, (_, i) => nest(at + i * stride, dim + 1));
  };
  return Array.from({ length: rows }, (_, r) => (shape.length === 0 ? out[r * per] : nest(r * per, 0)));
}
