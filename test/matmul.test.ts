import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, matmulRef, randomArray, relError, rng, withIsa, withIsaAsync } from './helpers.js';

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [7, 1, 5],
  [3, 5, 1],
  [13, 17, 19],
  [31, 33, 47],
  [64, 64, 64],
  [97, 101, 103],
  [128, 10, 128],
  [1, 256, 784],
];

describe('matmul', () => {
  it('matches a float64 reference for every transpose combination on every ISA', () => {
    const r = rng(11);
    for (const isa of ISAS)
      withIsa(isa, () => {
        for (const [m, n, k] of SHAPES)
          for (const ta of [false, true])
            for (const tb of [false, true]) {
              const a = randomArray(m * k, r);
              const b = randomArray(k * n, r);
              const got = nn.matmul(nn.tensor(a, ta ? [k, m] : [m, k]), nn.tensor(b, tb ? [n, k] : [k, n]), {
                transposeA: ta,
                transposeB: tb,
              });
              expect(got.shape).toEqual([m, n]);
              const want = matmulRef(a, b, m, n, k, ta, tb);
              expect(relError(got.data, want), `${isa} ${m}x${n}x${k} ta=${ta} tb=${tb}`).toBeLessThanOrEqual(1e-5);
            }
      });
  });

  it('runs off the main thread and copies its inputs', async () => {
    const r = rng(3);
    const a = randomArray(200 * 300, r);
    const b = randomArray(300 * 100, r);
    const want = matmulRef(a, b, 200, 100, 300);
    for (const isa of ISAS)
      await withIsaAsync(isa, async () => {
        const p = nn.matmulAsync(nn.tensor(a, [200, 300]), nn.tensor(b, [300, 100]));
        const got = await p;
        expect(relError(got.data, want)).toBeLessThanOrEqual(1e-5);
      });
    const aCopy = a.slice();
    const p = nn.matmulAsync(nn.tensor(aCopy, [200, 300]), nn.tensor(b, [300, 100]));
    aCopy.fill(Number.NaN); // changing the input after the call must not change the result
    expect(relError((await p).data, want)).toBeLessThanOrEqual(1e-5);
  });

  it('writes into options.out, call after call, with the same values as a fresh product', async () => {
    const r = rng(21);
    for (const [m, n, k] of [
      [1, 256, 784],
      [17, 13, 5],
      [128, 10, 128],
    ] as [number, number, number][])
      for (const tb of [false, true]) {
        const a = nn.tensor(randomArray(m * k, r), [m, k]);
        const b = nn.tensor(randomArray(k * n, r), tb ? [n, k] : [k, n]);
        const fresh = nn.matmul(a, b, { transposeB: tb });
        const out = nn.tensor(new Float32Array(m * n).fill(NaN), [m, n]);
        for (let i = 0; i < 2; i++) {
          const got = nn.matmul(a, b, { transposeB: tb, out });
          expect(got.data).toBe(out.data);
          expect(got.shape).toEqual([m, n]);
          expect(Array.from(got.data)).toEqual(Array.from(fresh.data));
        }
        const flat = new Float32Array(m * n).fill(NaN);
        expect(nn.matmul(a, b, { transposeB: tb, out: flat }).data).toBe(flat);
        expect(Array.from(flat)).toEqual(Array.from(fresh.data));
        const asyncOut = new Float32Array(m * n).fill(NaN);
        const viaAsync = await nn.matmulAsync(a, b, { transposeB: tb, out: asyncOut });
        expect(viaAsync.data).toBe(asyncOut);
        expect(Array.from(asyncOut)).toEqual(Array.from(fresh.data));
      }
  });

  it('rejects an options.out of the wrong shape, type, or sharing memory with an input', async () => {
    const a = nn.tensor(new Float32Array(6), [2, 3]);
    const b = nn.tensor(new Float32Array(12), [3, 4]);
    expect(() => nn.matmul(a, b, { out: nn.tensor(new Float32Array(8), [4, 2]) })).toThrow(
      new RangeError(
        'Expected a Tensor of shape [2, 4] or a Float32Array of 8 values for options.out, but received a tensor of shape [4, 2]',
      ),
    );
    expect(() => nn.matmul(a, b, { out: new Float32Array(7) })).toThrow(
      new RangeError(
        'Expected a Tensor of shape [2, 4] or a Float32Array of 8 values for options.out, but received a Float32Array of 7 values',
      ),
    );
    expect(() => nn.matmul(a, b, { out: [1, 2] as never })).toThrow(TypeError);
    const shared = new Float32Array(20);
    const a2 = nn.tensor(shared.subarray(0, 6), [2, 3]);
    expect(() => nn.matmul(a2, b, { out: shared.subarray(5, 13) })).toThrow(
      new RangeError(
        'Expected storage that shares no memory with a for options.out, but received storage overlapping a',
      ),
    );
    expect(() => nn.matmul(a, b, { out: b.data.subarray(0, 8) })).toThrow(
      new RangeError(
        'Expected storage that shares no memory with b for options.out, but received storage overlapping b',
      ),
    );
    // Adjacent but disjoint storage is fine.
    expect(nn.matmul(a2, b, { out: shared.subarray(6, 14) }).shape).toEqual([2, 4]);
    await expect(nn.matmulAsync(a, b, { out: new Float32Array(3) })).rejects.toThrow(RangeError);
  });

  it('gives every product its own frozen shape, also when shapes alternate', () => {
    const r = rng(5);
    const x = nn.tensor(randomArray(6, r), [2, 3]);
    const y = nn.tensor(randomArray(12, r), [3, 4]);
    const z = nn.tensor(randomArray(9, r), [3, 3]);
    const first = nn.matmul(x, y);
    const second = nn.matmul(z, z);
    const third = nn.matmul(x, y, { out: new Float32Array(8) });
    expect(first.shape).toEqual([2, 4]);
    expect(second.shape).toEqual([3, 3]);
    expect(third.shape).toEqual([2, 4]);
    for (const t of [first, second, third]) {
      expect(Object.isFrozen(t.shape)).toBe(true);
      expect(() => (t.shape as number[]).push(1)).toThrow(TypeError);
    }
    // The overlap check also covers a or b given as storage of options.out's own buffer.
    const shared = new Float32Array(12);
    const zs = nn.tensor(shared.subarray(0, 9), [3, 3]);
    expect(() => nn.matmul(x, zs.reshape([3, 3]), { out: shared.subarray(3, 9) })).toThrow(RangeError);
  });

  it('accepts nested arrays', () => {
    const c = nn.matmul(
      [
        [1, 2],
        [3, 4],
      ],
      [[5], [6]],
    );
    expect(Array.from(c.data)).toEqual([17, 39]);
  });

  it('rejects mismatched shapes with a clear message', () => {
    expect(() => nn.matmul(nn.tensor(new Float32Array(6), [2, 3]), nn.tensor(new Float32Array(8), [4, 2]))).toThrow(
      new RangeError(
        'Expected b with 3 rows (the inner dimension of a is 3) for b, but received a tensor of shape [4, 2]',
      ),
    );
    expect(() => nn.matmul(nn.tensor(new Float32Array(6)), nn.tensor(new Float32Array(6), [6, 1]))).toThrow(
      new RangeError('Expected a 2-D tensor for a, but received a tensor of shape [6]'),
    );
    expect(() => nn.matmul([[1]], [[1]], { transposeA: 1 as unknown as boolean })).toThrow(
      new TypeError('Expected a boolean for options.transposeA, but received 1'),
    );
    expect(() => nn.matmul([[1]], [[1]], { transpose: true } as never)).toThrow(TypeError);
  });
});
