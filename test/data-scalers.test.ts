import { describe, expect, it } from 'vitest';
import { MinMaxScaler, StandardScaler, minMaxScale, standardize } from '../lib/data/index.js';
import { tensor } from '../lib/tensor.js';

const train = [
  [1, 10, 5],
  [2, 20, 5],
  [3, 60, 5],
];

function close(actual: ArrayLike<number>, expected: number[], digits = 5) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

describe('StandardScaler / standardize', () => {
  it('matches hand-computed means and population standard deviations', () => {
    const { x, scaler } = standardize(train);
    // column 0: mean 2, std sqrt(2/3); column 1: mean 30, std sqrt((400+100+900)/3); column 2: constant -> std 1
    const s0 = Math.sqrt(2 / 3);
    const s1 = Math.sqrt(1400 / 3);
    close(scaler.mean, [2, 30, 5]);
    close(scaler.std, [s0, s1, 1]);
    expect(x.shape).toEqual([3, 3]);
    close(x.data, [-1 / s0, -20 / s1, 0, 0, -10 / s1, 0, 1 / s0, 30 / s1, 0]);
    // the test part is scaled with the training statistics
    close(scaler.transform([[4, 30, 6]]).data, [2 / s0, 0, 1]);
    close(scaler.transform([4, 30, 6]).data, [2 / s0, 0, 1]);
    close(scaler.inverseTransform(x).data, train.flat(), 4);
  });

  it('keeps a 1-D input as one column, and round-trips through JSON', () => {
    const s = new StandardScaler();
    const y = s.fitTransform([1, 2, 3, 4]);
    expect(y.shape).toEqual([4]);
    close(s.mean, [2.5]);
    const json = JSON.parse(JSON.stringify(s));
    expect(json.type).toBe('standardScaler');
    const r = StandardScaler.fromJSON(json);
    close(r.transform([5]).data, [(5 - 2.5) / Math.sqrt(1.25)]);
  });

  it('validates arguments and state', () => {
    const s = new StandardScaler();
    expect(s.fitted).toBe(false);
    expect(() => s.transform(train)).toThrow(
      new Error('StandardScaler is not fitted: call fit(x) or fitTransform(x) first'),
    );
    s.fit(train);
    expect(() => s.transform([[1, 2]])).toThrow(
      new RangeError('Expected 3 feature columns (as fitted) for x, but received a tensor of shape [1, 2]'),
    );
    expect(() => standardize([[1, NaN]])).toThrow(
      new RangeError('Expected finite values for x[0][1], but received NaN'),
    );
    expect(() => standardize(tensor(new Float32Array(0), [0, 2]))).toThrow(
      new RangeError('Expected at least one row to fit on for x, but received a tensor of shape [0, 2]'),
    );
    expect(() => new StandardScaler({ perChannel: 1 } as never)).toThrow(
      new TypeError('Expected a boolean for options.perChannel, but received 1'),
    );
    expect(() => StandardScaler.fromJSON({ type: 'standardScaler', mean: [0], std: [0] })).toThrow(
      new RangeError('Expected a finite number > 0 for json.std[0], but received 0'),
    );
    expect(() => StandardScaler.fromJSON({ mean: [0] } as never)).toThrow(
      new TypeError("Expected an object from StandardScaler's toJSON() for json, but received an object"),
    );
  });
});

describe('scalers on [n, ...sampleShape] tensors', () => {
  // two 2x2 images with 2 channels, [n, h, w, c]
  const images = tensor(Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70, 8, 80]), [2, 2, 2, 2]);

  it('standardises every element of the sample shape as its own feature by default, keeping the shape', () => {
    const { x, scaler } = standardize(images);
    expect(x.shape).toEqual([2, 2, 2, 2]);
    expect(scaler.features).toBe(8);
    // each feature has the values v and v + 4 (channel 0) or v and v + 40 (channel 1): mean between, std half the gap
    close(scaler.mean, [3, 30, 4, 40, 5, 50, 6, 60]);
    close(scaler.std, [2, 20, 2, 20, 2, 20, 2, 20]);
    close(x.data, [...Array(8).fill(-1), ...Array(8).fill(1)]);
    close(scaler.inverseTransform(x).data, Array.from(images.data), 4);
    expect(() => scaler.transform(tensor(new Float32Array(8), [1, 4, 2]))).toThrow(
      new RangeError('Expected samples of shape [2, 2, 2] (as fitted) for x, but received a tensor of shape [1, 4, 2]'),
    );
    expect(() => scaler.transform(tensor(new Float32Array(8), [1, 8]))).toThrow(
      new RangeError('Expected samples of shape [2, 2, 2] (as fitted) for x, but received a tensor of shape [1, 8]'),
    );
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
    expect(back.toJSON().sampleShape).toEqual([2, 2, 2]);
    close(back.transform(images).data, Array.from(x.data));
  });

  it('with perChannel pools samples and pixels into one mean and std per channel (last axis)', () => {
    const s = new StandardScaler({ perChannel: true });
    const x = s.fitTransform(images);
    expect(s.perChannel).toBe(true);
    expect(x.shape).toEqual([2, 2, 2, 2]);
    // channel 0 holds 1..8: mean 4.5, population std sqrt(5.25); channel 1 ten times that
    const sd = Math.sqrt(5.25);
    close(s.mean, [4.5, 45]);
    close(s.std, [sd, 10 * sd], 4);
    close(
      x.data.filter((_, i) => i % 2 === 0),
      [1, 2, 3, 4, 5, 6, 7, 8].map((v) => (v - 4.5) / sd),
    );
    // any shape with two channels on its last axis, including [rows, 2]
    close(s.transform([[4.5, 45]]).data, [0, 0]);
    expect(() => s.transform(tensor(new Float32Array(6), [1, 2, 3]))).toThrow(
      new RangeError(
        'Expected 2 channels on the last axis (as fitted) for x, but received a tensor of shape [1, 2, 3]',
      ),
    );
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(back.perChannel).toBe(true);
    close(back.transform(images).data, Array.from(x.data));
  });

  it('min-max scales images per channel onto [0, 1]', () => {
    const { x, scaler } = minMaxScale(images, { perChannel: true });
    close(scaler.dataMin, [1, 10]);
    close(scaler.dataMax, [8, 80]);
    close(
      x.data.filter((_, i) => i % 2 === 1),
      [0, 1, 2, 3, 4, 5, 6, 7].map((v) => v / 7),
    );
    const perFeature = minMaxScale(images).x;
    close(perFeature.data, [...Array(8).fill(0), ...Array(8).fill(1)]);
    const back = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
    close(back.transform(images).data, Array.from(x.data));
  });

  it('refuses a sample shape that does not fit the statistics in JSON', () => {
    expect(() =>
      StandardScaler.fromJSON({ type: 'standardScaler', mean: [0, 0], std: [1, 1], sampleShape: [2, 2] }),
    ).toThrow(
      new TypeError(
        'Expected a list of positive integers whose product is 2 (without perChannel) for json.sampleShape, but received [2, 2]',
      ),
    );
  });
});

describe('MinMaxScaler / minMaxScale', () => {
  it('maps each column onto [0, 1] by default', () => {
    const { x, scaler } = minMaxScale(train);
    close(x.data, [0, 0, 0, 0.5, 0.2, 0, 1, 1, 0]);
    close(scaler.dataMin, [1, 10, 5]);
    close(scaler.dataMax, [3, 60, 5]);
    close(scaler.transform([[5, 35, 7]]).data, [2, 0.5, 2]);
    close(scaler.inverseTransform(x).data, train.flat(), 4);
  });

  it('maps onto a custom range and round-trips through JSON', () => {
    const s = new MinMaxScaler({ min: -1, max: 1 });
    close(s.fitTransform(train).data, [-1, -1, -1, 0, -0.6, -1, 1, 1, -1]);
    const r = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(r.min).toBe(-1);
    close(r.transform([[2, 20, 5]]).data, [0, -0.6, -1]);
  });

  it('validates arguments and state', () => {
    expect(() => new MinMaxScaler({ min: 1, max: 1 })).toThrow(
      new RangeError('Expected a number greater than min (1) for options.max, but received 1'),
    );
    expect(() => minMaxScale(train, { min: 'a' } as never)).toThrow(
      new TypeError('Expected a number for options.min, but received "a"'),
    );
    expect(() => minMaxScale(train, { lo: 0 } as never)).toThrow(
      new TypeError(
        'Expected one of the options min, max, perChannel for options, but received an unknown option "lo"',
      ),
    );
    expect(() => new MinMaxScaler().inverseTransform(train)).toThrow(
      new Error('MinMaxScaler is not fitted: call fit(x) or fitTransform(x) first'),
    );
    expect(() => new MinMaxScaler().fit(train).transform([[1, 2, 3, 4]])).toThrow(
      new RangeError('Expected 3 feature columns (as fitted) for x, but received a tensor of shape [1, 4]'),
    );
  });
});
