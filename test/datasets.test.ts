import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { breastCancer, digits, fashionMnist, iris, wine } from '../lib/datasets.js';
import type { Tensor } from '../lib/tensor.js';

function classCounts(y: Tensor, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const v of y.data) {
    expect(Number.isInteger(v) && v >= 0 && v < classes).toBe(true);
    counts[v]!++;
  }
  return counts;
}

describe('bundled data sets', () => {
  it('digits: 1797 x 64 pixel counts, 10 classes', () => {
    const d = digits();
    expect(d.x.shape).toEqual([1797, 64]);
    expect(d.y.shape).toEqual([1797]);
    expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(d.featureNames).toHaveLength(64);
    expect(d.featureNames[9]).toBe('pixel_1_1');
    // scikit-learn's load_digits class counts
    expect(classCounts(d.y, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // A loop, not Math.max(...data): spreading 115,008 values passes them all as call arguments on the stack
    // (about 920 kB), which overflows V8's stack on arm64 Node 20.
    expect(d.x.data.reduce((m, v) => Math.max(m, v), -Infinity)).toBe(16);
    expect(d.x.data.reduce((m, v) => Math.min(m, v), Infinity)).toBe(0);
    expect(Array.from(d.x.data.subarray(0, 8))).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  });

  it('digits({ images: true }): the same values as [1797, 8, 8, 1] images, row by row', () => {
    const flat = digits();
    const img = digits({ images: true });
    expect(img.x.shape).toEqual([1797, 8, 8, 1]);
    expect(img.x.data).toEqual(flat.x.data);
    expect(img.y.data).toEqual(flat.y.data);
    // pixel (row 1, column 1) of image 0 is flat feature 9 ("pixel_1_1")
    expect((img.x.toArray() as number[][][][])[0]![1]![1]![0]).toBe((flat.x.toArray() as number[][])[0]![9]);
    expect(digits({ images: false }).x.shape).toEqual([1797, 64]);
    expect(() => digits({ images: 'yes' } as never)).toThrow(
      new TypeError('Expected a boolean for options.images, but received "yes"'),
    );
    expect(() => digits({ image: true } as never)).toThrow(
      new TypeError('Expected one of the options images for options, but received an unknown option "image"'),
    );
  });

  it('iris: 150 x 4, 50 per species', () => {
    const d = iris();
    expect(d.x.shape).toEqual([150, 4]);
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    expect(classCounts(d.y, 3)).toEqual([50, 50, 50]);
    expect(Array.from(d.x.data.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it('wine: 178 x 13, 3 cultivars', () => {
    const d = wine();
    expect(d.x.shape).toEqual([178, 13]);
    expect(d.classNames).toEqual(['class_0', 'class_1', 'class_2']);
    expect(d.featureNames).toHaveLength(13);
    expect(classCounts(d.y, 3)).toEqual([59, 71, 48]);
  });

  it('breast cancer: 569 x 30, 212 malignant and 357 benign', () => {
    const d = breastCancer();
    expect(d.x.shape).toEqual([569, 30]);
    expect(d.classNames).toEqual(['malignant', 'benign']);
    expect(d.featureNames[0]).toBe('mean radius');
    expect(d.featureNames[29]).toBe('worst fractal dimension');
    expect(classCounts(d.y, 2)).toEqual([212, 357]);
  });

  it('returns fresh copies, so callers cannot corrupt the cache', () => {
    const a = iris();
    a.x.data.fill(-1);
    a.y.data.fill(-1);
    a.classNames.push('oops');
    const b = iris();
    expect(b.x.data[0]).toBeCloseTo(5.1, 5);
    expect(b.y.data[149]).toBe(2);
    expect(b.classNames).toHaveLength(3);
    expect(b.x).not.toBe(a.x);
  });
});

const fashionDir = '/usr/share/datasets/fashion-mnist';

describe('fashionMnist', () => {
  it.skipIf(!existsSync(fashionDir))('loads 60000 + 10000 images of 28 x 28 in 10 classes', () => {
    const f = fashionMnist();
    expect(f.train.x.shape).toEqual([60000, 784]);
    expect(f.train.y.shape).toEqual([60000]);
    expect(f.test.x.shape).toEqual([10000, 784]);
    expect(f.test.y.shape).toEqual([10000]);
    expect(f.train.imageShape).toEqual([28, 28]);
    expect(f.classNames).toHaveLength(10);
    expect(f.classNames[9]).toBe('Ankle boot');
    expect(classCounts(f.test.y, 10)).toEqual(new Array(10).fill(1000));
    let max = 0;
    for (const v of f.test.x.data) if (v > max) max = v;
    expect(max).toBeCloseTo(1, 6);
  });

  it.skipIf(!existsSync(fashionDir))('with images: true gives [n, 28, 28, 1] with the same pixels', () => {
    const f = fashionMnist({ images: true });
    expect(f.train.x.shape).toEqual([60000, 28, 28, 1]);
    expect(f.test.x.shape).toEqual([10000, 28, 28, 1]);
    expect(f.test.y.shape).toEqual([10000]);
    const flat = fashionMnist();
    const bytes = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    expect(bytes(f.test.x.data).equals(bytes(flat.test.x.data))).toBe(true);
    expect(bytes(f.train.x.data).equals(bytes(flat.train.x.data))).toBe(true);
  });

  it('says how to install the data when it is missing, and validates options', () => {
    expect(() => fashionMnist({ dir: '/nonexistent/fashion' })).toThrow(
      new Error(
        'Fashion-MNIST not found: /nonexistent/fashion/train-images-idx3-ubyte.gz is missing. Install it with ' +
          '`apt-get update && apt-get install -y dataset-fashion-mnist` (files go to /usr/share/datasets/fashion-mnist), ' +
          'or pass { dir } naming a folder with the four IDX files.',
      ),
    );
    expect(() => fashionMnist({ dir: 3 } as never)).toThrow(
      new TypeError('Expected a folder path for options.dir, but received 3'),
    );
    expect(() => fashionMnist({ folder: 'x' } as never)).toThrow(
      new TypeError(
        'Expected one of the options dir, scale, images for options, but received an unknown option "folder"',
      ),
    );
  });
});
