// Shared test helpers: a seeded generator, fp64 references, ISA switching.
import { native } from '../lib/native.js';

/** Deterministic uniform numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0 || 1;
  return (lo = -1, hi = 1) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + ((hi - lo) * s) / 4294967296;
  };
}

export function randomArray(n: number, rand: (lo?: number, hi?: number) => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand(lo, hi);
  return a;
}

/** Every ISA this CPU and build can run. */
export const ISAS: string[] = native.info().availableIsas;

/** Runs fn with the given ISA active, then restores the default. */
export function withIsa<T>(isa: string, fn: () => T): T {
  const before = native.info().isa;
  native.selectIsa(isa);
  try {
    return fn();
  } finally {
    native.selectIsa(before);
  }
}

export async function withIsaAsync<T>(isa: string, fn: () => Promise<T>): Promise<T> {
  const before = native.info().isa;
  native.selectIsa(isa);
  try {
    return await fn();
  } finally {
    native.selectIsa(before);
  }
}

/** C = op(A) op(B) in float64, row-major. */
export function matmulRef(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  ta = false,
  tb = false,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

/** Frobenius norm of (got - want) relative to the norm of want. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    num += d * d;
    den += want[i]! * want[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
