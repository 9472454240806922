/**
 * A small seeded pseudo-random generator for shuffling and splitting in JavaScript
 * (mulberry32: 32 bits of state, period 2^32, fast and well mixed; not for cryptography).
 */
import { resolveSeed } from '../system.js';
import { checkInteger } from '../validate.js';

const TWO_32 = 2 ** 32;

/** A seeded generator: the same seed always gives the same sequence. */
export class Random {
  private state: number;

  /**
   * @param seed - an integer from 0 to 2^32 - 1; when omitted, the global seed set with
   *   `setSeed` is used, else a fresh random seed.
   */
  constructor(seed?: number) {
    const s = seed === undefined ? resolveSeed(undefined) : checkInteger(seed, 'seed', { min: 0, max: TWO_32 - 1 });
    this.state = s >>> 0;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_32;
  }

  /** A uniform integer in [0, n), without modulo bias. `n` must be an integer from 1 to 2^32. */
  nextInt(n: number): number {
    return this.below(checkInteger(n, 'n', { min: 1, max: TWO_32 }));
  }

  private below(n: number): number {
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<A extends unknown[] | Int32Array | Uint32Array | Float32Array | Float64Array>(array: A): A {
    const a = array as unknown as unknown[];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return array;
  }
}

/** Checks an optional `seed` option (an integer from 0 to 2^32 - 1) and makes a generator from it. */
export function randomFromOption(seed: unknown, argument = 'options.seed'): Random {
  if (seed === undefined) return new Random();
  return new Random(checkInteger(seed, argument, { min: 0, max: TWO_32 - 1 }));
}

/**
 * The integers 0 to n - 1 in a random order.
 * @param n - how many (an integer >= 0)
 * @param seed - an integer from 0 to 2^32 - 1; defaults to the global seed, else a fresh random one
 */
export function permutation(n: number, seed?: number): Int32Array {
  checkInteger(n, 'n', { min: 0, max: 2 ** 31 - 1 });
  const rng = randomFromOption(seed, 'seed');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return rng.shuffle(out);
}
