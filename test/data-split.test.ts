import { describe, expect, it } from 'vitest';
import { Random, gatherRows, kFold, permutation, stratifiedKFold, take, trainTestSplit } from '../lib/data/index.js';
import { setSeed } from '../lib/system.js';
import { Tensor, tensor } from '../lib/tensor.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: ArrayLike<number>) => Array.from(a).sort((p, q) => p - q);

/** x rows [i, 10 i], y = i % 3: lets tests trace every row. */
function table(n: number) {
  const x = tensor(range(n).map((i) => [i, 10 * i]));
  const y = tensor(range(n).map((i) => i % 3));
  return { x, y };
}

describe('Random', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const sa = range(5).map(() => a.nextUint32());
    expect(range(5).map(() => b.nextUint32())).toEqual(sa);
    expect(range(5).map(() => c.nextUint32())).not.toEqual(sa);
  });

  it('draws floats in [0, 1) and roughly uniform integers', () => {
    const r = new Random(1);
    const counts = [0, 0, 0, 0];
    let outside = 0;
    for (let i = 0; i < 40000; i++) {
      const f = r.next();
      if (!(f >= 0 && f < 1)) outside++;
      counts[r.nextInt(4)]!++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });

  it('permutation is a permutation and follows the global seed', () => {
    const p = permutation(100, 3);
    expect(sorted(p)).toEqual(range(100));
    expect(Array.from(permutation(100, 3))).toEqual(Array.from(p));
    setSeed(3);
    expect(Array.from(permutation(100))).toEqual(Array.from(p));
  });

  it('validates seeds', () => {
    expect(() => new Random(-1)).toThrow(
      new RangeError('Expected an integer from 0 to 4294967295 for seed, but received -1'),
    );
    expect(() => new Random(1.5)).toThrow(RangeError);
    expect(() => permutation(-1)).toThrow(
      new RangeError('Expected an integer from 0 to 2147483647 for n, but received -1'),
    );
    expect(() => new Random(1).nextInt(0)).toThrow(
      new RangeError('Expected an integer from 1 to 4294967296 for n, but received 0'),
    );
  });
});

describe('take / gatherRows', () => {
  it('copies rows in the given order', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const t = take(x, [2, 0, 2]);
    expect(t.shape).toEqual([3, 2]);
    expect(t.toArray()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    t.data[0] = 99;
    expect(x.data[4]).toBe(5);
    expect(gatherRows(x, Int32Array.of(1)).toArray()).toEqual([[3, 4]]);
    expect(take([1, 2, 3], [1]).toArray()).toEqual([2]);
    const cube = tensor(range(12), [3, 2, 2]);
    expect(take(cube, [1]).shape).toEqual([1, 2, 2]);
    expect(Array.from(take(cube, [1]).data)).toEqual([4, 5, 6, 7]);
  });

  it('validates arguments', () => {
    const x = tensor([[1], [2]]);
    expect(() => take(x, [2])).toThrow(
      new RangeError('Expected an integer row index from 0 to 1 for indices[0], but received 2'),
    );
    expect(() => take(x, [0, 0.5])).toThrow(
      new RangeError('Expected an integer row index from 0 to 1 for indices[1], but received 0.5'),
    );
    expect(() => take(x, 'a' as never)).toThrow(
      new TypeError('Expected an array or Int32Array of row indices for indices, but received "a"'),
    );
    expect(() => gatherRows([[1]] as never, Int32Array.of(0))).toThrow(
      new TypeError('Expected a Tensor for tensor, but received an array of length 1'),
    );
    expect(() => gatherRows(x, [0] as never)).toThrow(
      new TypeError('Expected an Int32Array of row indices for indices, but received [0]'),
    );
    expect(() => take(new Tensor(new Float32Array(1), []), [0])).toThrow(
      new RangeError('Expected a tensor with at least one dimension for x, but received a scalar tensor'),
    );
  });
});

describe('trainTestSplit', () => {
  it('partitions the rows exactly and keeps x and y aligned', () => {
    const { x, y } = table(20);
    const s = trainTestSplit(x, y, { testSize: 0.25, seed: 5 });
    expect(s.xTrain.shape).toEqual([15, 2]);
    expect(s.xTest.shape).toEqual([5, 2]);
    expect(s.yTrain.shape).toEqual([15]);
    expect(s.yTest.shape).toEqual([5]);
    expect(sorted([...s.trainIndices, ...s.testIndices])).toEqual(range(20));
    const check = (xs: Tensor, ys: Tensor, idx: Int32Array) =>
      Array.from(idx).forEach((r, i) => {
        expect(xs.data[2 * i]).toBe(r);
        expect(xs.data[2 * i + 1]).toBe(10 * r);
        expect(ys.data[i]).toBe(r % 3);
      });
    check(s.xTrain, s.yTrain, s.trainIndices);
    check(s.xTest, s.yTest, s.testIndices);
  });

  it('is deterministic with a seed and different with another', () => {
    const { x, y } = table(50);
    const a = trainTestSplit(x, y, { seed: 11 });
    const b = trainTestSplit(x, y, { seed: 11 });
    const c = trainTestSplit(x, y, { seed: 12 });
    expect(Array.from(b.testIndices)).toEqual(Array.from(a.testIndices));
    expect(Array.from(c.testIndices)).not.toEqual(Array.from(a.testIndices));
    expect(a.testIndices.length).toBe(13); // ceil(0.25 * 50), the default testSize
  });

  it('takes the last rows without shuffling, and integer counts', () => {
    const { x, y } = table(10);
    const s = trainTestSplit(x, y, { testSize: 3, shuffle: false });
    expect(Array.from(s.trainIndices)).toEqual(range(7));
    expect(Array.from(s.testIndices)).toEqual([7, 8, 9]);
    expect(trainTestSplit(x, y, { testSize: 0.3, seed: 1 }).testIndices.length).toBe(3);
    expect(trainTestSplit(x, y, { testSize: 0.31, seed: 1 }).testIndices.length).toBe(4);
  });

  it('stratifies: class proportions are kept in both parts', () => {
    // 60 of class 0, 30 of class 1, 10 of class 2
    const labels = range(100).map((i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
    const x = tensor(range(100), [100, 1]);
    const s = trainTestSplit(x, labels, { testSize: 0.2, seed: 3, stratify: true });
    const count = (t: Tensor) => [0, 1, 2].map((c) => Array.from(t.data).filter((v) => v === c).length);
    expect(count(s.yTest)).toEqual([12, 6, 2]);
    expect(count(s.yTrain)).toEqual([48, 24, 8]);
    expect(sorted([...s.trainIndices, ...s.testIndices])).toEqual(range(100));
    // one-hot rows stratify the same way
    const oneHotY = tensor(labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const h = trainTestSplit(x, oneHotY, { testSize: 0.2, seed: 3, stratify: true });
    expect(h.yTest.shape).toEqual([20, 3]);
    expect([0, 1, 2].map((c) => Array.from(h.testIndices).filter((i) => labels[i] === c).length)).toEqual([12, 6, 2]);
  });

  it('validates arguments', () => {
    const { x, y } = table(10);
    expect(() => trainTestSplit(x, y, { testSize: 0 })).toThrow(
      new RangeError(
        'Expected a fraction in (0, 1) or an integer count from 1 to 9 for options.testSize, but received 0',
      ),
    );
    expect(() => trainTestSplit(x, y, { testSize: 10 })).toThrow(
      new RangeError(
        'Expected a fraction in (0, 1) or an integer count from 1 to 9 for options.testSize, but received 10',
      ),
    );
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(RangeError);
    expect(() => trainTestSplit(x, y, { testSize: '0.2' as never })).toThrow(
      new TypeError(
        'Expected a fraction in (0, 1) or an integer count from 1 to 9 for options.testSize, but received "0.2"',
      ),
    );
    expect(() => trainTestSplit(x, y, { testSize: 0.99 })).toThrow(
      new RangeError(
        'Expected a testSize that leaves at least one row in each part of 10 rows for options.testSize, but received 0.99 (10 test rows)',
      ),
    );
    expect(() => trainTestSplit(x, [1, 2, 3], {})).toThrow(
      new RangeError('Expected 10 rows (as many as x) for y, but received a tensor of shape [3]'),
    );
    expect(() => trainTestSplit(x, y, { stratify: true, shuffle: false })).toThrow(
      new RangeError('Expected true (stratify needs shuffling) for options.shuffle, but received false'),
    );
    expect(() => trainTestSplit(x, y, { seed: -2 })).toThrow(
      new RangeError('Expected an integer from 0 to 4294967295 for options.seed, but received -2'),
    );
    expect(() => trainTestSplit(x, y, { testsize: 0.2 } as never)).toThrow(
      new TypeError(
        'Expected one of the options testSize, shuffle, seed, stratify for options, but received an unknown option "testsize"',
      ),
    );
    expect(() => trainTestSplit(x, y, { shuffle: 1 } as never)).toThrow(
      new TypeError('Expected a boolean for options.shuffle, but received 1'),
    );
    expect(() => trainTestSplit('x', y)).toThrow(
      new TypeError('Expected a Tensor, a Float32Array or an array of numbers for x, but received "x"'),
    );
  });
});

describe('kFold', () => {
  it('matches scikit-learn fold sizes and order without shuffling (n=10, k=3)', () => {
    const folds = kFold(10, 3);
    expect(folds.map((f) => f.test.length)).toEqual([4, 3, 3]);
    expect(folds.map((f) => Array.from(f.test))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(Array.from(folds[1]!.train)).toEqual([0, 1, 2, 3, 7, 8, 9]);
  });

  it('partitions the rows, shuffled and deterministic with a seed', () => {
    const folds = kFold(23, 5, { shuffle: true, seed: 4 });
    expect(folds.map((f) => f.test.length)).toEqual([5, 5, 5, 4, 4]);
    expect(sorted(folds.flatMap((f) => Array.from(f.test)))).toEqual(range(23));
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(23);
      expect(sorted([...f.train, ...f.test])).toEqual(range(23));
    }
    const again = kFold(23, 5, { shuffle: true, seed: 4 });
    expect(again.map((f) => Array.from(f.test))).toEqual(folds.map((f) => Array.from(f.test)));
    expect(folds.map((f) => Array.from(f.test))).not.toEqual(kFold(23, 5).map((f) => Array.from(f.test)));
  });

  it('validates arguments', () => {
    expect(() => kFold(10, 11)).toThrow(
      new RangeError('Expected an integer from 2 to 10 (the number of rows) for k, but received 11'),
    );
    expect(() => kFold(10, 1)).toThrow(
      new RangeError('Expected an integer from 2 to 10 (the number of rows) for k, but received 1'),
    );
    expect(() => kFold(1, 2)).toThrow(new RangeError('Expected an integer >= 2 for n, but received 1'));
    expect(() => kFold(10, '3' as never)).toThrow(
      new TypeError('Expected an integer from 2 to 10 (the number of rows) for k, but received "3"'),
    );
    expect(() => kFold(10, 3, { shuffle: 'yes' } as never)).toThrow(
      new TypeError('Expected a boolean for options.shuffle, but received "yes"'),
    );
  });
});

describe('stratifiedKFold', () => {
  it('keeps class proportions in every fold and partitions the rows', () => {
    const labels = range(100).map((i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
    for (const shuffle of [false, true]) {
      const folds = stratifiedKFold(labels, 5, { shuffle, seed: 9 });
      expect(folds).toHaveLength(5);
      expect(sorted(folds.flatMap((f) => Array.from(f.test)))).toEqual(range(100));
      for (const f of folds) {
        expect([0, 1, 2].map((c) => Array.from(f.test).filter((i) => labels[i] === c).length)).toEqual([12, 6, 2]);
        expect(sorted([...f.train, ...f.test])).toEqual(range(100));
      }
    }
  });

  it("matches scikit-learn's allocation for uneven classes", () => {
    // sklearn StratifiedKFold(3).split(X, [0]*7 + [1]*3): test folds [0,1,2,7], [3,4,8], [5,6,9]
    const labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1];
    expect(stratifiedKFold(labels, 3).map((f) => Array.from(f.test))).toEqual([
      [0, 1, 2, 7],
      [3, 4, 8],
      [5, 6, 9],
    ]);
    // classes are numbered by first appearance, so other label values give the same folds
    expect(stratifiedKFold(tensor([5, 5, 5, 5, 5, 5, 5, -1, -1, -1]), 3).map((f) => Array.from(f.test))).toEqual([
      [0, 1, 2, 7],
      [3, 4, 8],
      [5, 6, 9],
    ]);
  });

  it('is deterministic with a seed', () => {
    const labels = range(40).map((i) => i % 4);
    const a = stratifiedKFold(labels, 4, { shuffle: true, seed: 2 }).map((f) => Array.from(f.test));
    const b = stratifiedKFold(labels, 4, { shuffle: true, seed: 2 }).map((f) => Array.from(f.test));
    expect(b).toEqual(a);
  });

  it('validates arguments', () => {
    expect(() => stratifiedKFold([0, 1, 0], 4)).toThrow(
      new RangeError('Expected an integer from 2 to 3 (the number of rows) for k, but received 4'),
    );
    expect(() => stratifiedKFold([0, NaN, 0], 2)).toThrow(
      new RangeError('Expected a finite class label for labels[1], but received NaN'),
    );
    expect(() => stratifiedKFold([0], 2)).toThrow(
      new RangeError('Expected at least 2 labels for labels, but received 1 label'),
    );
    expect(() => stratifiedKFold(tensor(range(8), [2, 2, 2]), 2)).toThrow(
      new RangeError('Expected labels of shape [n] or [n, 1] for labels, but received a tensor of shape [2, 2, 2]'),
    );
  });
});
