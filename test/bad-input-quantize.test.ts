// Bad input of model.quantize and of quantized models: each call, the error
// class and the exact message (a table), and the float model unchanged.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';

function mlp(compile = true): nn.Sequential {
  const m = nn.sequential([
    nn.layers.dense({ units: 8, inputDim: 4, activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  if (compile) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const calib = nn.tensor(
  new Float32Array(20).map((_, i) => Math.sin(i)),
  [5, 4],
);

describe('bad input of quantize', () => {
  const built = mlp();
  built.build(4, 1);
  const uncompiled = mlp(false);
  uncompiled.build(4, 1);
  const nan = new Float32Array(20);
  nan[7] = NaN;
  const cases: [string, () => Promise<unknown>, ErrorConstructor, string][] = [
    [
      'no options',
      () => built.quantize(undefined as never),
      TypeError,
      'Expected an options object { calibration, perChannel?, mode? } for options, but received undefined',
    ],
    [
      'an unknown option',
      () => built.quantize({ calibration: calib, bits: 4 } as never),
      TypeError,
      'Expected one of the options calibration, perChannel, mode, percentile for quantize options, but received an unknown option "bits"',
    ],
    [
      'no calibration',
      () => built.quantize({} as never),
      TypeError,
      'Expected calibration samples [n, ...inputShape] for calibration, but received undefined',
    ],
    [
      'calibration of the wrong width',
      () => built.quantize({ calibration: nn.tensor(new Float32Array(15), [5, 3]) }),
      RangeError,
      'Expected calibration samples of shape [n, 4] for calibration, but received a tensor of shape [5, 3]',
    ],
    [
      'empty calibration',
      () => built.quantize({ calibration: nn.tensor(new Float32Array(0), [0, 4]) }),
      RangeError,
      'Expected at least one calibration sample for calibration, but received a tensor of shape [0, 4]',
    ],
    [
      'calibration with NaN',
      () => built.quantize({ calibration: nn.tensor(nan, [5, 4]) }),
      RangeError,
      'Expected finite numbers for calibration (value 7 of sample 1), but received NaN',
    ],
    [
      'an unknown mode',
      () => built.quantize({ calibration: calib, mode: 'int4' as never }),
      RangeError,
      'Expected one of "static", "dynamic" for mode, but received "int4"',
    ],
    [
      'perChannel not a boolean',
      () => built.quantize({ calibration: calib, perChannel: 1 as never }),
      TypeError,
      'Expected a boolean for perChannel, but received 1',
    ],
    [
      'a percentile out of range',
      () => built.quantize({ calibration: calib, percentile: 101 }),
      RangeError,
      'Expected a number in [50, 100] for percentile, but received 101',
    ],
    [
      'an unbuilt model',
      () => mlp().quantize({ calibration: calib }),
      Error,
      'The model must be built (trained, or model.build(inputShape) called) before quantize',
    ],
    [
      'an uncompiled model',
      () => uncompiled.quantize({ calibration: calib }),
      Error,
      'The model must be compiled before quantize: call model.compile({ optimizer, loss })',
    ],
  ];
  for (const [what, call, cls, message] of cases)
    it(`${what}: ${message}`, async () => {
      const before = built.getWeights();
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toBe(message);
      expect(built.getWeights()).toEqual(before);
    });

  it('a layer normalization cannot be quantized, and the error names it', async () => {
    const m = nn.sequential([
      nn.layers.dense({ units: 8, inputDim: 4 }),
      nn.layers.layerNormalization(),
      nn.layers.dense({ units: 3 }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build(4, 1);
    await expect(m.quantize({ calibration: calib })).rejects.toThrow(
      'Cannot quantize layerNormalization_1 (layer 1): the layer type "layerNormalization" is not supported',
    );
  });
});

describe('bad input of a quantized model', () => {
  it('refuses training and weight changes, and wrong inputs, with clear errors', async () => {
    const m = mlp();
    m.build(4, 1);
    const q = await m.quantize({ calibration: calib });
    const msg = (what: string) =>
      `${what} is not available on a QuantizedModel (inference only): change the float model and quantize it again`;
    expect(() => q.fit()).toThrow(msg('fit'));
    expect(() => q.setWeights()).toThrow(msg('setWeights'));
    expect(() => q.compile()).toThrow(msg('compile'));
    expect(() => q.predict(nn.tensor(new Float32Array(10), [2, 5]))).toThrow(
      'Expected a tensor of shape [n, 4] for x, but received a tensor of shape [2, 5]',
    );
    expect(() => q.predict('abc')).toThrow(TypeError);
    expect(() => q.evaluate(calib, [0, 1, 2, 2, 9])).toThrow(
      'Expected class ids that are integers from 0 to 2 for y[4], but received 9',
    );
    expect(() => q.evaluate(calib, [0, 1])).toThrow(
      'Expected 5 targets (one per sample of x) for y, but received 2 targets',
    );
    // Still works afterwards.
    expect(q.predict(calib).shape).toEqual([5, 3]);
  });
});
