// Bad calls to the convolutional layers and conv models, one row each: the call, the error class and its
// exact message (the style of test/bad-input.test.ts), then a failed call that leaves the model as it was.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';

type Row = [label: string, call: () => unknown, error: new (...args: never[]) => Error, message: string];
const bad = <T>(v: unknown) => v as T;

const rows: Row[] = [
  [
    'filters 0',
    () => nn.layers.conv2d({ filters: 0, kernelSize: 3 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for filters, but received 0',
  ],
  [
    'no kernelSize',
    () => nn.layers.conv2d(bad({ filters: 2 })),
    RangeError,
    'Expected a kernel size (a positive integer or an array) for kernelSize, but received undefined',
  ],
  [
    'kernelSize [3]',
    () => nn.layers.conv2d({ filters: 2, kernelSize: [3] }),
    RangeError,
    'Expected a positive integer or an array of 2 positive integers for kernelSize, but received [3]',
  ],
  [
    'kernelSize -1',
    () => nn.layers.conv2d({ filters: 2, kernelSize: -1 }),
    RangeError,
    'Expected an integer from 1 to 65536 for kernelSize, but received -1',
  ],
  [
    'kernelSize "3"',
    () => nn.layers.conv1d({ filters: 2, kernelSize: bad('3') }),
    TypeError,
    'Expected a positive integer or an array of 1 positive integer for kernelSize, but received "3"',
  ],
  [
    'strides+dilation',
    () => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
    RangeError,
    'Expected strides of 1 when dilationRate is above 1 (a stride and a dilation above 1 cannot be combined) for strides, but received 2',
  ],
  [
    'padding full',
    () => nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: bad('full') }),
    RangeError,
    'Expected one of "valid", "same" for padding, but received "full"',
  ],
  [
    'inputShape rank',
    () => nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 28] }),
    TypeError,
    'Expected a sample shape [h, w, c] for inputShape, but received [28, 28]',
  ],
  [
    'unknown key',
    () => nn.layers.conv2d({ filters: 2, kernel_size: 3 } as never),
    TypeError,
    'Expected one of the options filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, inputShape, trainable, name for conv2d options, but received an unknown option "kernel_size"',
  ],
  [
    'strides 0',
    () => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 }),
    RangeError,
    'Expected an integer from 1 to 65536 for strides, but received 0',
  ],
  [
    'dilationRate 0',
    () => nn.layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 0 }),
    RangeError,
    'Expected an integer from 1 to 65536 for dilationRate, but received 0',
  ],
  [
    'conv1d inputShape rank',
    () => nn.layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] }),
    TypeError,
    'Expected a sample shape [steps, c] for inputShape, but received [8, 8, 1]',
  ],
  [
    'pool strides -1',
    () => nn.layers.maxPooling2d({ poolSize: 2, strides: -1 }),
    RangeError,
    'Expected an integer from 1 to 65536 for strides, but received -1',
  ],
  [
    'maxPooling2d after dense',
    () => nn.sequential([nn.layers.dense({ units: 4, inputDim: 3 }), nn.layers.maxPooling2d({})]).build(),
    RangeError,
    'Expected [n, h, w, c] for the input of maxPooling2d_1, but received [n, 4]',
  ],
  [
    'maxPooling1d on images',
    () =>
      nn
        .sequential([
          nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] }),
          nn.layers.maxPooling1d({}),
        ])
        .build(),
    RangeError,
    'Expected [n, steps, c] for the input of maxPooling1d_1, but received [n, 6, 6, 2]',
  ],
  [
    'poolSize 0',
    () => nn.layers.maxPooling2d({ poolSize: 0 }),
    RangeError,
    'Expected an integer from 1 to 65536 for poolSize, but received 0',
  ],
  [
    'pool strides [1,2,3]',
    () => nn.layers.averagePooling2d({ strides: [1, 2, 3] }),
    RangeError,
    'Expected a positive integer or an array of 2 positive integers for strides, but received [1, 2, 3]',
  ],
  [
    'reshape two -1',
    () => nn.layers.reshape({ targetShape: [-1, -1] }),
    RangeError,
    'Expected at most one dimension of -1 (inferred) for targetShape, but received [-1, -1]',
  ],
  [
    'reshape 0',
    () => nn.layers.reshape({ targetShape: [0, 3] }),
    RangeError,
    'Expected an integer from 1 to 16777216 for targetShape[0], but received 0',
  ],
  [
    'reshape missing',
    () => nn.layers.reshape(bad({})),
    TypeError,
    'Expected a non-empty array of dimensions for targetShape, but received undefined',
  ],
  [
    'kernel > input',
    () => nn.sequential([nn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1] })]).build(),
    RangeError,
    "Expected a kernel (5 x 5) no larger than the input (4 x 4) for conv2d_0 with padding 'valid', but received an input of shape [n, 4, 4, 1]",
  ],
  [
    'dilated kernel > input',
    () => nn.sequential([nn.layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 3, inputShape: [6, 2] })]).build(),
    RangeError,
    "Expected a kernel (7 with dilation) no larger than the input (6) for conv1d_0 with padding 'valid', but received an input of shape [n, 6, 2]",
  ],
  [
    'pool > input',
    () =>
      nn
        .sequential([
          nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [4, 4, 1] }),
          nn.layers.maxPooling2d({ poolSize: 3 }),
        ])
        .build(),
    RangeError,
    "Expected a pool (3 x 3) no larger than the input (2 x 2) for maxPooling2d_1 with padding 'valid', but received an input of shape [n, 2, 2, 2]",
  ],
  [
    'conv2d after dense',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 4, inputDim: 3 }), nn.layers.conv2d({ filters: 2, kernelSize: 1 })])
        .build(),
    RangeError,
    'Expected [n, h, w, c] for the input of conv2d_1, but received [n, 4]',
  ],
  [
    'dense on 4-D',
    () =>
      nn
        .sequential([
          nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }),
          nn.layers.dense({ units: 3 }),
        ])
        .build(),
    RangeError,
    'Expected [n, features] for the input of dense_1, but received [n, 4, 4, 2] (a dense layer takes flat samples: add nn.layers.flatten() before it)',
  ],
  [
    'reshape mismatch',
    () =>
      nn
        .sequential([
          nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }),
          nn.layers.reshape({ targetShape: [5, 5] }),
        ])
        .build(),
    RangeError,
    'Expected a targetShape holding the 32 values of each sample (input [n, 4, 4, 2]) for reshape_1, but received [5, 5]',
  ],
  [
    'inputShape later',
    () =>
      nn
        .sequential([
          nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }),
          nn.layers.flatten({ inputShape: [32] }),
        ])
        .build(),
    RangeError,
    'Expected inputShape only on the first layer, but flatten_1 (layer 1) has inputShape [32]',
  ],
  [
    'predict wrong shape',
    () => {
      const m = nn.sequential([
        nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 28, 1] }),
        nn.layers.flatten(),
      ]);
      return m.predict(nn.tensor(new Float32Array(2 * 28 * 28), [2, 28, 28]));
    },
    RangeError,
    'Expected samples of shape [n, 28, 28, 1] (conv2d_0 expects [n, 28, 28, 1]) for x, but received [2, 28, 28]',
  ],
  [
    'predict wrong channels',
    () => {
      const m = nn.sequential([
        nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 3] }),
        nn.layers.flatten(),
      ]);
      return m.predict(nn.tensor(new Float32Array(2 * 64), [2, 8, 8, 1]));
    },
    RangeError,
    'Expected samples of shape [n, 8, 8, 3] (conv2d_0 expects [n, 8, 8, 3]) for x, but received [2, 8, 8, 1]',
  ],
  [
    'build wrong shape',
    () => {
      const m = nn.sequential([
        nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 3] }),
        nn.layers.flatten(),
      ]);
      return m.build([8, 8, 1]);
    },
    RangeError,
    "Expected the model's input shape [8, 8, 3] for inputShape, but received [8, 8, 1]",
  ],
];

describe('bad input to convolutional layers and models', () => {
  for (const [label, call, error, message] of rows)
    it(label, () => {
      let thrown: unknown;
      try {
        call();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(error);
      expect((thrown as Error).message).toBe(message);
    });

  it('a fit or predict refused for its shape changes nothing', async () => {
    const m = nn.sequential([
      nn.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = nn.tensor(
      new Float32Array(4 * 72).map((_, i) => Math.sin(i)),
      [4, 6, 6, 2],
    );
    const before = m.getWeights();
    const out = m.predict(x).data;
    await expect(m.fit(nn.tensor(new Float32Array(4 * 36), [4, 6, 6, 1]), nn.tensor([0, 1, 0, 1]))).rejects.toThrow(
      'Expected samples of shape [n, 6, 6, 2] (conv2d_0 expects [n, 6, 6, 2]) for x, but received [4, 6, 6, 1]',
    );
    expect(() => m.predict(nn.tensor(new Float32Array(72), [1, 72]))).toThrow(RangeError);
    m.getWeights().forEach((w, i) => expect(w).toEqual(before[i]));
    expect(m.predict(x).data).toEqual(out);
  });
});
