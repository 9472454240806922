// model.predict(x, { out }) writes the outputs into caller storage (a serving
// loop then allocates nothing per call): the same bits as a fresh result, the
// returned tensor over that storage, x's own storage accepted, and bad storage
// rejected with a clear error before anything is written.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { randomArray, rng } from './helpers.js';

const INPUTS = 23;
const OUTPUTS = 4;

function build(): nn.Sequential {
  const model = nn.sequential([
    nn.layers.dense({ units: 40, inputDim: INPUTS, activation: 'relu' }),
    nn.layers.dense({ units: OUTPUTS, activation: 'softmax' }),
  ]);
  model.build(INPUTS, 3);
  return model;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('predict with options.out', () => {
  it('writes the same bits as a fresh result into the given storage, call after call', () => {
    const model = build();
    const out = new Float32Array(17 * OUTPUTS).fill(Number.NaN);
    for (const seed of [1, 2, 3]) {
      const x = nn.tensor(randomArray(17 * INPUTS, rng(seed)), [17, INPUTS]);
      const fresh = model.predict(x);
      const got = model.predict(x, { out });
      expect(got.data).toBe(out);
      expect(got.shape).toEqual([17, OUTPUTS]);
      expect(bytes(got.data).equals(bytes(fresh.data))).toBe(true);
    }
  });

  it('accepts a Tensor of the result shape, and one sample', () => {
    const model = build();
    const x = nn.tensor(randomArray(INPUTS, rng(4)), [1, INPUTS]);
    const target = nn.tensor(new Float32Array(OUTPUTS), [1, OUTPUTS]);
    const got = model.predict(x, { out: target });
    expect(got.data).toBe(target.data);
    expect(bytes(got.data).equals(bytes(model.predict(x).data))).toBe(true);
  });

  it("may write over x's own storage (x is read in full first)", () => {
    const model = build();
    const rows = 9;
    const values = randomArray(rows * INPUTS, rng(5));
    const expected = model.predict(nn.tensor(values.slice(), [rows, INPUTS])).data;
    const x = nn.tensor(values, [rows, INPUTS]);
    const got = model.predict(x, { out: values.subarray(0, rows * OUTPUTS) });
    expect(bytes(got.data).equals(bytes(expected))).toBe(true);
  });

  it('rejects storage of the wrong size or type, and unknown options, without writing', () => {
    const model = build();
    const x = nn.tensor(randomArray(3 * INPUTS, rng(6)), [3, INPUTS]);
    const small = new Float32Array(11).fill(7);
    expect(() => model.predict(x, { out: small })).toThrow(
      new RangeError(
        'Expected a Tensor of shape [3, 4] or a Float32Array of 12 values for options.out, but received a Float32Array of 11 values',
      ),
    );
    expect(Array.from(small)).toEqual(new Array(11).fill(7));
    expect(() => model.predict(x, { out: nn.tensor(new Float32Array(12), [4, 3]) })).toThrow(
      new RangeError(
        'Expected a Tensor of shape [3, 4] or a Float32Array of 12 values for options.out, but received a tensor of shape [4, 3]',
      ),
    );
    expect(() => model.predict(x, { out: new Float64Array(12) as never })).toThrow(TypeError);
    expect(() => model.predict(x, { out: [0, 1] as never })).toThrow(TypeError);
    expect(() => model.predict(x, { outt: new Float32Array(12) } as never)).toThrow(/unknown option "outt"/);
    expect(() => model.predict(x, 5 as never)).toThrow(TypeError);
    // The model still predicts normally afterwards.
    expect(model.predict(x).shape).toEqual([3, OUTPUTS]);
  });
});
