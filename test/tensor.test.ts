import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../lib/tensor.js';

describe('tensor', () => {
  it('uses a Float32Array in place, without copying', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(data, [2, 3]);
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    data[0] = 42;
    expect(t.toArray()).toEqual([
      [42, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('infers the shape of nested arrays and copies them', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes flat arrays with a shape, and defaults to one dimension', () => {
    expect(tensor([1, 2, 3, 4], [2, 2]).shape).toEqual([2, 2]);
    expect(tensor([1, 2, 3]).shape).toEqual([3]);
    expect(tensor(new Float32Array(0)).shape).toEqual([0]);
  });

  it('converts other typed arrays', () => {
    const t = tensor(new Float64Array([0.5, 1.5]), [1, 2]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([0.5, 1.5]);
  });

  it('reshapes and slices rows as views', () => {
    const t = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const s = t.slice(1, 3);
    expect(s.shape).toEqual([2, 2]);
    expect(Array.from(s.data)).toEqual([3, 4, 5, 6]);
    expect(s.data.buffer).toBe(t.data.buffer);
    expect(t.reshape([2, 3]).shape).toEqual([2, 3]);
  });

  it('names the argument, the expectation and the value in every error', () => {
    expect(() => tensor(new Float32Array(12), [5, 3])).toThrow(
      new RangeError('Expected a shape whose product is 12 for values of length 12, but received [5, 3]'),
    );
    expect(() => tensor([1, 2, 3, 4], [3])).toThrow(
      new RangeError('Expected a shape whose product is 4 for values of length 4, but received [3]'),
    );
    expect(() => tensor([1, 2], [2, -1])).toThrow(
      new RangeError('Expected an array of non-negative integers for shape, but received [2, -1]'),
    );
    expect(() => tensor([1, 2], [1.5])).toThrow(
      new RangeError('Expected an array of non-negative integers for shape, but received [1.5]'),
    );
    expect(() => tensor([1, 2], 'x' as unknown as number[])).toThrow(
      new TypeError('Expected an array of non-negative integers for shape, but received "x"'),
    );
    expect(() => tensor('abc' as unknown as number[])).toThrow(
      new TypeError('Expected a Tensor, a Float32Array or an array of numbers for values, but received "abc"'),
    );
    expect(() => tensor([1, 'a', 3] as unknown as number[])).toThrow(
      new TypeError('Expected a number for values[1], but received "a"'),
    );
    expect(() =>
      tensor([
        [1, 2],
        [3, 4, 5],
      ]),
    ).toThrow(
      new RangeError(
        'Expected an array of length 2 (the array is not rectangular) for values[1], but received an array of length 3',
      ),
    );
    expect(() => tensor([[1, 2], 3] as unknown as number[][])).toThrow(
      new TypeError('Expected an array of length 2 (the array is not rectangular) for values[1], but received 3'),
    );
    expect(() => tensor([[1, null]] as unknown as number[][])).toThrow(
      new TypeError('Expected a number for values[0][1], but received null'),
    );
    expect(() => tensor(new Float32Array(4), [2, 2]).slice(1, 3)).toThrow(
      new RangeError('Expected 0 <= start <= end <= 2 for slice, but received [1, 3]'),
    );
  });

  it('is a Tensor with toArray for rank 0 and 1', () => {
    expect(tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(new Tensor(new Float32Array([3]), []).toArray()).toBe(3);
  });
});
