import { describe, expect, it } from 'vitest';
import { argMax, oneHot } from '../lib/data/index.js';
import { tensor } from '../lib/tensor.js';

describe('oneHot', () => {
  it('encodes class ids from arrays, tensors and typed arrays', () => {
    const t = oneHot([0, 2, 1], 3);
    expect(t.shape).toEqual([3, 3]);
    expect(t.toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(oneHot(Int32Array.of(1, 0), 2).toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(oneHot(tensor([[1], [3]]), 4).toArray()).toEqual([
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    expect(oneHot([2, 0]).shape).toEqual([2, 3]);
    expect(oneHot([], 3).shape).toEqual([0, 3]);
  });

  it('round-trips with argMax', () => {
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(Array.from(argMax(oneHot(ids, 10)))).toEqual(ids);
  });

  it('validates arguments', () => {
    expect(() => oneHot([0, 3], 3)).toThrow(
      new RangeError('Expected an integer class id from 0 to 2 for labels[1], but received 3'),
    );
    expect(() => oneHot([0.5], 3)).toThrow(
      new RangeError('Expected an integer class id from 0 to 2 for labels[0], but received 0.5'),
    );
    expect(() => oneHot([-1], 3)).toThrow(
      new RangeError('Expected an integer class id from 0 to 2 for labels[0], but received -1'),
    );
    expect(() => oneHot([-1])).toThrow(
      new RangeError('Expected a non-negative integer class id for labels[0], but received -1'),
    );
    expect(() => oneHot([0], 0)).toThrow(
      new RangeError('Expected an integer from 1 to 2147483647 for numClasses, but received 0'),
    );
    expect(() => oneHot([0], '3' as never)).toThrow(
      new TypeError('Expected an integer for numClasses, but received "3"'),
    );
    expect(() =>
      oneHot(
        [
          [0, 1],
          [1, 0],
        ],
        2,
      ),
    ).toThrow(
      new RangeError('Expected labels of shape [n] or [n, 1] for labels, but received a tensor of shape [2, 2]'),
    );
    expect(() => oneHot('abc' as never, 2)).toThrow(
      new TypeError('Expected a Tensor, a Float32Array or an array of numbers for labels, but received "abc"'),
    );
  });
});

describe('argMax', () => {
  it('returns the first largest column of each row', () => {
    const r = argMax([
      [0.1, 0.7, 0.2],
      [0.8, 0.1, 0.1],
      [0.5, 0.5, 0],
      [NaN, -1, -2],
    ]);
    expect(r).toBeInstanceOf(Int32Array);
    expect(Array.from(r)).toEqual([1, 0, 0, 1]);
    expect(Array.from(argMax([1, 5, 2]))).toEqual([1]);
  });

  it('validates arguments', () => {
    expect(() => argMax(tensor(new Float32Array(0), [2, 0]))).toThrow(
      new RangeError('Expected a tensor with at least one column for tensor, but received a tensor of shape [2, 0]'),
    );
    expect(() => argMax(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(
      new RangeError('Expected a 2-D tensor [rows, columns] for tensor, but received a tensor of shape [2, 2, 2]'),
    );
    expect(() => argMax(null)).toThrow(
      new TypeError('Expected a Tensor, a Float32Array or an array of numbers for tensor, but received null'),
    );
  });
});
