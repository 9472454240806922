// Bad calls across the public API, one row each: the call, the error class it
// must throw and its exact message (`Expected <what> for <argument>, but
// received <value>`: TypeError for a wrong kind of value, RangeError for a
// wrong value; plain Error for a model in the wrong state). Rows whose label
// starts with "async" must return a promise that rejects, never throw.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';

type Row = [label: string, call: () => unknown, error: new (...args: never[]) => Error, message: string];

const x4 = () =>
  nn.tensor(
    new Float32Array(8 * 4).map((_, i) => (i % 7) / 7),
    [8, 4],
  );
const y3 = () =>
  nn.tensor(
    new Float32Array(8 * 3).map((_, i) => (i % 3 === 0 ? 1 : 0)),
    [8, 3],
  );
const ids = () => nn.tensor([0, 1, 2, 0, 1, 2, 0, 1]);

/** A compiled 4 -> 3 softmax classifier (categorical cross-entropy). */
function classifier(loss = 'categoricalCrossentropy'): nn.Sequential {
  const m = nn.sequential([
    nn.layers.dense({ units: 5, inputDim: 4, activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: loss as nn.LossName, metrics: ['accuracy'] });
  return m;
}

const bad = <T>(v: unknown) => v as T;
const withValue = (i: number, v: number) => {
  const t = x4();
  t.data[i] = v;
  return t;
};

const rows: Row[] = [
  // nn.tensor
  [
    'tensor: a string',
    () => nn.tensor(bad('abc')),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received "abc"',
  ],
  [
    'tensor: null',
    () => nn.tensor(bad(null)),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received null',
  ],
  [
    'tensor: undefined',
    () => nn.tensor(bad(undefined)),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received undefined',
  ],
  [
    'tensor: a number',
    () => nn.tensor(bad(42)),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received 42',
  ],
  [
    'tensor: an object',
    () => nn.tensor(bad({ length: 2 })),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received an object',
  ],
  [
    'tensor: a string element',
    () => nn.tensor(bad([1, 'a', 3])),
    TypeError,
    'Expected a number for values[1], but received "a"',
  ],
  [
    'tensor: ragged rows',
    () => nn.tensor([[1, 2], [3]]),
    RangeError,
    'Expected an array of length 2 (the array is not rectangular) for values[1], but received an array of length 1',
  ],
  [
    'tensor: a number among rows',
    () => nn.tensor(bad([[1, 2], 3])),
    TypeError,
    'Expected an array of length 2 (the array is not rectangular) for values[1], but received 3',
  ],
  [
    'tensor: null deep inside',
    () => nn.tensor(bad([[1, null]])),
    TypeError,
    'Expected a number for values[0][1], but received null',
  ],
  [
    'tensor: a string shape',
    () => nn.tensor([1, 2], bad('x')),
    TypeError,
    'Expected an array of non-negative integers for shape, but received "x"',
  ],
  [
    'tensor: a negative dimension',
    () => nn.tensor([1, 2], [2, -1]),
    RangeError,
    'Expected an array of non-negative integers for shape, but received [2, -1]',
  ],
  [
    'tensor: a fractional dimension',
    () => nn.tensor([1, 2], [1.5]),
    RangeError,
    'Expected an array of non-negative integers for shape, but received [1.5]',
  ],
  [
    'tensor: a NaN dimension',
    () => nn.tensor([1, 2], [NaN]),
    RangeError,
    'Expected an array of non-negative integers for shape, but received [NaN]',
  ],
  [
    'tensor: a shape of the wrong size',
    () => nn.tensor(new Float32Array(12), [5, 3]),
    RangeError,
    'Expected a shape whose product is 12 for values of length 12, but received [5, 3]',
  ],
  [
    'tensor: a nested array with a wrong shape',
    () => nn.tensor([[1, 2]], [3]),
    RangeError,
    'Expected a shape whose product is 2 for values of length 2, but received [3]',
  ],
  [
    'tensor: a BigInt64Array',
    () => nn.tensor(bad(new BigInt64Array(2))),
    TypeError,
    'Expected numbers (a BigInt array cannot be converted) for values, but received a BigInt64Array of length 2',
  ],
  [
    'tensor: a DataView',
    () => nn.tensor(bad(new DataView(new ArrayBuffer(8)))),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received a DataView of length 8',
  ],
  [
    'tensor: a Symbol',
    () => nn.tensor(bad(Symbol('s'))),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for values, but received a Symbol',
  ],
  [
    'tensor: reshape to another size',
    () => nn.tensor([1, 2, 3, 4]).reshape([3]),
    RangeError,
    'Expected a shape whose product is 4 for values of length 4, but received [3]',
  ],
  [
    'tensor: slice out of range',
    () => nn.tensor(new Float32Array(4), [2, 2]).slice(1, 3),
    RangeError,
    'Expected 0 <= start <= end <= 2 for slice, but received [1, 3]',
  ],
  [
    'tensor: slice with a negative start',
    () => nn.tensor(new Float32Array(4), [2, 2]).slice(-1, 1),
    RangeError,
    'Expected 0 <= start <= end <= 2 for slice, but received [-1, 1]',
  ],
  // nn.matmul
  [
    'matmul: a is a string',
    () => nn.matmul('a', [[1]]),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for a, but received "a"',
  ],
  [
    'matmul: b is null',
    () => nn.matmul([[1]], null),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for b, but received null',
  ],
  [
    'matmul: a is 1-D',
    () => nn.matmul([1, 2], [[1], [2]]),
    RangeError,
    'Expected a 2-D tensor for a, but received a tensor of shape [2]',
  ],
  [
    'matmul: b is 3-D',
    () => nn.matmul([[1]], [[[1]]]),
    RangeError,
    'Expected a 2-D tensor for b, but received a tensor of shape [1, 1, 1]',
  ],
  [
    'matmul: inner dimensions differ',
    () => nn.matmul(nn.tensor(new Float32Array(6), [2, 3]), nn.tensor(new Float32Array(8), [4, 2])),
    RangeError,
    'Expected b with 3 rows (the inner dimension of a is 3) for b, but received a tensor of shape [4, 2]',
  ],
  [
    'matmul: inner dimensions differ (transposed)',
    () =>
      nn.matmul(nn.tensor(new Float32Array(6), [2, 3]), nn.tensor(new Float32Array(6), [3, 2]), { transposeB: true }),
    RangeError,
    'Expected b with 3 columns (the inner dimension of a is 3) for b, but received a tensor of shape [3, 2] (transposed)',
  ],
  [
    'matmul: options is a string',
    () => nn.matmul([[1]], [[1]], bad('T')),
    TypeError,
    'Expected an options object for options, but received "T"',
  ],
  [
    'matmul: transposeA is a number',
    () => nn.matmul([[1]], [[1]], bad({ transposeA: 1 })),
    TypeError,
    'Expected a boolean for options.transposeA, but received 1',
  ],
  [
    'matmul: an unknown option',
    () => nn.matmul([[1]], [[1]], bad({ transpose: true })),
    TypeError,
    'Expected one of the options transposeA, transposeB, out for options, but received an unknown option "transpose"',
  ],
  [
    'matmul: a string element',
    () => nn.matmul([[1, 'x']], [[1], [2]]),
    TypeError,
    'Expected a number for a[0][1], but received "x"',
  ],
  // nn.matmulAsync (rejects)
  [
    'async matmulAsync: a is a number',
    () => nn.matmulAsync(3, [[1]]),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for a, but received 3',
  ],
  [
    'async matmulAsync: inner dimensions differ',
    () => nn.matmulAsync(nn.tensor(new Float32Array(6), [2, 3]), nn.tensor(new Float32Array(6), [2, 3])),
    RangeError,
    'Expected b with 3 rows (the inner dimension of a is 3) for b, but received a tensor of shape [2, 3]',
  ],
  [
    'async matmulAsync: transposeB is a string',
    () => nn.matmulAsync([[1]], [[1]], bad({ transposeB: 'yes' })),
    TypeError,
    'Expected a boolean for options.transposeB, but received "yes"',
  ],
  [
    'async matmulAsync: a is 3-D',
    () => nn.matmulAsync([[[1]]], [[1]]),
    RangeError,
    'Expected a 2-D tensor for a, but received a tensor of shape [1, 1, 1]',
  ],
  // nn.dot
  [
    'dot: lengths differ',
    () => nn.dot([1, 2, 3], [1, 2]),
    RangeError,
    'Expected b with 3 elements (as many as a) for b, but received 2 elements',
  ],
  [
    'dot: a is a string',
    () => nn.dot('ab', [1, 2]),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for a, but received "ab"',
  ],
  [
    'dot: b is undefined',
    () => nn.dot([1, 2], undefined),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for b, but received undefined',
  ],
  [
    'dot: an element is a string',
    () => nn.dot([1, 2], [1, '2']),
    TypeError,
    'Expected a number for b[1], but received "2"',
  ],
  // nn.setThreads / nn.setSeed
  ['setThreads: 0', () => nn.setThreads(0), RangeError, 'Expected an integer from 1 to 256 for n, but received 0'],
  ['setThreads: -1', () => nn.setThreads(-1), RangeError, 'Expected an integer from 1 to 256 for n, but received -1'],
  [
    'setThreads: 1.5',
    () => nn.setThreads(1.5),
    RangeError,
    'Expected an integer from 1 to 256 for n, but received 1.5',
  ],
  [
    'setThreads: 257',
    () => nn.setThreads(257),
    RangeError,
    'Expected an integer from 1 to 256 for n, but received 257',
  ],
  ['setThreads: a string', () => nn.setThreads(bad('4')), TypeError, 'Expected an integer for n, but received "4"'],
  [
    'setThreads: NaN',
    () => nn.setThreads(NaN),
    RangeError,
    'Expected an integer from 1 to 256 for n, but received NaN',
  ],
  [
    'setThreads: undefined',
    () => nn.setThreads(bad(undefined)),
    TypeError,
    'Expected an integer for n, but received undefined',
  ],
  [
    'setSeed: -1',
    () => nn.setSeed(-1),
    RangeError,
    'Expected an integer from 0 to 4294967295 for seed, but received -1',
  ],
  [
    'setSeed: 2^32',
    () => nn.setSeed(2 ** 32),
    RangeError,
    'Expected an integer from 0 to 4294967295 for seed, but received 4294967296',
  ],
  [
    'setSeed: 1.5',
    () => nn.setSeed(1.5),
    RangeError,
    'Expected an integer from 0 to 4294967295 for seed, but received 1.5',
  ],
  ['setSeed: a string', () => nn.setSeed(bad('1')), TypeError, 'Expected an integer for seed, but received "1"'],
  [
    'setSeed: Infinity',
    () => nn.setSeed(Infinity),
    RangeError,
    'Expected an integer from 0 to 4294967295 for seed, but received Infinity',
  ],
  // nn.layers.dense
  [
    'dense: no options',
    () => nn.layers.dense(bad(undefined)),
    TypeError,
    'Expected an integer for units, but received undefined',
  ],
  [
    'dense: options is a number',
    () => nn.layers.dense(bad(5)),
    TypeError,
    'Expected an options object for options, but received 5',
  ],
  [
    'dense: units missing',
    () => nn.layers.dense(bad({ activation: 'relu' })),
    TypeError,
    'Expected an integer for units, but received undefined',
  ],
  [
    'dense: units 0',
    () => nn.layers.dense({ units: 0 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for units, but received 0',
  ],
  [
    'dense: units -3',
    () => nn.layers.dense({ units: -3 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for units, but received -3',
  ],
  [
    'dense: units 2.5',
    () => nn.layers.dense({ units: 2.5 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for units, but received 2.5',
  ],
  [
    'dense: units a string',
    () => nn.layers.dense({ units: bad('10') }),
    TypeError,
    'Expected an integer for units, but received "10"',
  ],
  [
    'dense: units 1e9',
    () => nn.layers.dense({ units: 1e9 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for units, but received 1000000000',
  ],
  [
    'dense: units NaN',
    () => nn.layers.dense({ units: NaN }),
    RangeError,
    'Expected an integer from 1 to 16777216 for units, but received NaN',
  ],
  [
    'dense: inputDim 0',
    () => nn.layers.dense({ units: 2, inputDim: 0 }),
    RangeError,
    'Expected an integer from 1 to 16777216 for inputDim, but received 0',
  ],
  [
    'dense: inputShape of two dimensions',
    () => nn.layers.dense({ units: 2, inputShape: [2, 3] }),
    RangeError,
    'Expected a shape of one dimension, [features] (a dense layer takes flat samples: put nn.layers.flatten({ inputShape }) first) for inputShape, but received [2, 3]',
  ],
  [
    'dense: inputShape a number',
    () => nn.layers.dense({ units: 2, inputShape: bad(3) }),
    TypeError,
    'Expected a shape of one dimension, [features] for inputShape, but received 3',
  ],
  [
    'dense: inputShape disagrees with inputDim',
    () => nn.layers.dense({ units: 2, inputDim: 3, inputShape: [4] }),
    RangeError,
    'Expected [3] (as inputDim) for inputShape, but received [4]',
  ],
  [
    'dense: an unknown activation',
    () => nn.layers.dense({ units: 2, activation: bad('swish') }),
    RangeError,
    'Expected one of "linear", "relu", "leakyRelu", "elu", "gelu", "sigmoid", "tanh", "softmax", "softplus" for activation, but received "swish"',
  ],
  [
    'dense: activation a number',
    () => nn.layers.dense({ units: 2, activation: bad(3) }),
    TypeError,
    'Expected one of "linear", "relu", "leakyRelu", "elu", "gelu", "sigmoid", "tanh", "softmax", "softplus" for activation, but received 3',
  ],
  [
    'dense: useBias a string',
    () => nn.layers.dense({ units: 2, useBias: bad('yes') }),
    TypeError,
    'Expected a boolean for useBias, but received "yes"',
  ],
  [
    'dense: an unknown initializer',
    () => nn.layers.dense({ units: 2, kernelInitializer: bad('xavier') }),
    RangeError,
    'Expected one of "glorotUniform", "glorotNormal", "heUniform", "heNormal", "lecunNormal", "zeros", "ones", "randomNormal", "randomUniform", "constant", "lecunUniform" for kernelInitializer, but received "xavier"',
  ],
  [
    'dense: initializer a number',
    () => nn.layers.dense({ units: 2, kernelInitializer: bad(1) }),
    TypeError,
    'Expected an initializer name or { name, ... } for kernelInitializer, but received 1',
  ],
  [
    'dense: randomUniform with maxval < minval',
    () => nn.layers.dense({ units: 2, kernelInitializer: { name: 'randomUniform', minval: 1, maxval: 0 } }),
    RangeError,
    'Expected a number >= minval (1) for kernelInitializer.maxval, but received 0',
  ],
  [
    'dense: randomNormal with a negative stddev',
    () => nn.layers.dense({ units: 2, biasInitializer: { name: 'randomNormal', stddev: -1 } }),
    RangeError,
    'Expected a finite number >= 0 for biasInitializer.stddev, but received -1',
  ],
  [
    'dense: initializer with an unknown key',
    () => nn.layers.dense({ units: 2, kernelInitializer: bad({ name: 'constant', val: 1 }) }),
    TypeError,
    'Expected one of the options name, mean, stddev, minval, maxval, value for kernelInitializer, but received an unknown option "val"',
  ],
  [
    'dense: kernelRegularizer a string',
    () => nn.layers.dense({ units: 2, kernelRegularizer: bad('l2') }),
    TypeError,
    'Expected a regularizer from nn.regularizers (l1, l2, l1l2) for kernelRegularizer, but received "l2"',
  ],
  [
    'dense: an unknown option',
    () => nn.layers.dense(bad({ units: 2, unit: 3 })),
    TypeError,
    'Expected one of the options units, inputDim, inputShape, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, trainable, name for dense options, but received an unknown option "unit"',
  ],
  [
    'dense: name a number',
    () => nn.layers.dense({ units: 2, name: bad(5) }),
    TypeError,
    'Expected a string for name, but received 5',
  ],
  // nn.layers.dropout / activation
  [
    'dropout: rate 1.5',
    () => nn.layers.dropout({ rate: 1.5 }),
    RangeError,
    'Expected a number in [0, 1) for rate, but received 1.5',
  ],
  [
    'dropout: rate 1',
    () => nn.layers.dropout({ rate: 1 }),
    RangeError,
    'Expected a number in [0, 1) for rate, but received 1',
  ],
  [
    'dropout: rate -0.1',
    () => nn.layers.dropout({ rate: -0.1 }),
    RangeError,
    'Expected a number in [0, 1) for rate, but received -0.1',
  ],
  [
    'dropout: rate NaN',
    () => nn.layers.dropout({ rate: NaN }),
    RangeError,
    'Expected a number in [0, 1) for rate, but received NaN',
  ],
  [
    'dropout: rate a string',
    () => nn.layers.dropout({ rate: bad('0.5') }),
    TypeError,
    'Expected a number for rate, but received "0.5"',
  ],
  [
    'dropout: no options',
    () => nn.layers.dropout(bad(undefined)),
    TypeError,
    'Expected a number for rate, but received undefined',
  ],
  [
    'dropout: an unknown option',
    () => nn.layers.dropout(bad({ rate: 0.5, seed: 1 })),
    TypeError,
    'Expected one of the options rate, trainable, name for dropout options, but received an unknown option "seed"',
  ],
  [
    'activation: an unknown name',
    () => nn.layers.activation({ activation: bad('swish') }),
    RangeError,
    'Expected one of "linear", "relu", "leakyRelu", "elu", "gelu", "sigmoid", "tanh", "softmax", "softplus" for activation, but received "swish"',
  ],
  [
    'activation: missing',
    () => nn.layers.activation(bad({})),
    TypeError,
    'Expected one of "linear", "relu", "leakyRelu", "elu", "gelu", "sigmoid", "tanh", "softmax", "softplus" for activation, but received undefined',
  ],
  [
    'activation: a string instead of options',
    () => nn.layers.activation(bad('relu')),
    TypeError,
    'Expected an options object for options, but received "relu"',
  ],
  // nn.optimizers
  [
    'sgd: negative learning rate',
    () => nn.optimizers.sgd({ learningRate: -0.1 }),
    RangeError,
    'Expected a finite number >= 0 for options.learningRate, but received -0.1',
  ],
  [
    'sgd: NaN learning rate',
    () => nn.optimizers.sgd({ learningRate: NaN }),
    RangeError,
    'Expected a finite number >= 0 for options.learningRate, but received NaN',
  ],
  [
    'sgd: infinite learning rate',
    () => nn.optimizers.sgd({ learningRate: Infinity }),
    RangeError,
    'Expected a finite number >= 0 for options.learningRate, but received Infinity',
  ],
  [
    'sgd: learning rate a string',
    () => nn.optimizers.sgd({ learningRate: bad('0.1') }),
    TypeError,
    'Expected a number for options.learningRate, but received "0.1"',
  ],
  [
    'sgd: negative momentum',
    () => nn.optimizers.sgd({ momentum: -0.9 }),
    RangeError,
    'Expected a finite number >= 0 for options.momentum, but received -0.9',
  ],
  [
    'sgd: nesterov a number',
    () => nn.optimizers.sgd({ nesterov: bad(1) }),
    TypeError,
    'Expected a boolean for options.nesterov, but received 1',
  ],
  [
    'sgd: an unknown option (lr)',
    () => nn.optimizers.sgd(bad({ lr: 0.1 })),
    TypeError,
    'Expected one of the options learningRate, clipNorm, globalClipNorm, clipValue, schedule, momentum, nesterov for options, but received an unknown option "lr"',
  ],
  [
    'sgd: options a number',
    () => nn.optimizers.sgd(bad(0.1)),
    TypeError,
    'Expected an options object for options, but received 0.1',
  ],
  [
    'gd: momentum is not an option',
    () => nn.optimizers.gd(bad({ momentum: 0.9 })),
    TypeError,
    'Expected one of the options learningRate, clipNorm, globalClipNorm, clipValue, schedule for options, but received an unknown option "momentum"',
  ],
  [
    'adam: beta1 1',
    () => nn.optimizers.adam({ beta1: 1 }),
    RangeError,
    'Expected a number in [0, 1) for options.beta1, but received 1',
  ],
  [
    'adam: beta2 -0.1',
    () => nn.optimizers.adam({ beta2: -0.1 }),
    RangeError,
    'Expected a number in [0, 1) for options.beta2, but received -0.1',
  ],
  [
    'adam: negative epsilon',
    () => nn.optimizers.adam({ epsilon: -1e-7 }),
    RangeError,
    'Expected a finite number >= 0 for options.epsilon, but received -1e-7',
  ],
  [
    'adam: amsgrad a string',
    () => nn.optimizers.adam({ amsgrad: bad('yes') }),
    TypeError,
    'Expected a boolean for options.amsgrad, but received "yes"',
  ],
  [
    'adam: clipNorm 0',
    () => nn.optimizers.adam({ clipNorm: 0 }),
    RangeError,
    'Expected a finite number > 0 for options.clipNorm, but received 0',
  ],
  [
    'adam: clipValue negative',
    () => nn.optimizers.adam({ clipValue: -1 }),
    RangeError,
    'Expected a finite number > 0 for options.clipValue, but received -1',
  ],
  [
    'adam: clipNorm and globalClipNorm',
    () => nn.optimizers.adam({ clipNorm: 1, globalClipNorm: 1 }),
    RangeError,
    'Expected only one of clipNorm and globalClipNorm for options, but received both (clipNorm 1, globalClipNorm 1)',
  ],
  [
    'adam: schedule a string',
    () => nn.optimizers.adam({ schedule: bad('cosine') }),
    TypeError,
    'Expected a schedule from nn.schedules for options.schedule, but received "cosine"',
  ],
  [
    'adamw: negative weightDecay',
    () => nn.optimizers.adamw({ weightDecay: -0.01 }),
    RangeError,
    'Expected a finite number >= 0 for options.weightDecay, but received -0.01',
  ],
  [
    'rmsprop: rho 1.5',
    () => nn.optimizers.rmsprop({ rho: 1.5 }),
    RangeError,
    'Expected a number in [0, 1) for options.rho, but received 1.5',
  ],
  [
    'adagrad: negative initialAccumulatorValue',
    () => nn.optimizers.adagrad({ initialAccumulatorValue: -1 }),
    RangeError,
    'Expected a finite number >= 0 for options.initialAccumulatorValue, but received -1',
  ],
  // nn.regularizers
  [
    'l1: negative',
    () => nn.regularizers.l1(-1),
    RangeError,
    'Expected a finite number >= 0 for lambda, but received -1',
  ],
  ['l2: NaN', () => nn.regularizers.l2(NaN), RangeError, 'Expected a finite number >= 0 for lambda, but received NaN'],
  [
    'l2: Infinity',
    () => nn.regularizers.l2(Infinity),
    RangeError,
    'Expected a finite number >= 0 for lambda, but received Infinity',
  ],
  ['l2: a string', () => nn.regularizers.l2(bad('0.1')), TypeError, 'Expected a number for lambda, but received "0.1"'],
  [
    'l1l2: negative l1',
    () => nn.regularizers.l1l2({ l1: -1 }),
    RangeError,
    'Expected a finite number >= 0 for options.l1, but received -1',
  ],
  [
    'l1l2: an unknown key',
    () => nn.regularizers.l1l2(bad({ l3: 1 })),
    TypeError,
    'Expected one of the options l1, l2 for options, but received an unknown option "l3"',
  ],
  [
    'l1l2: a number',
    () => nn.regularizers.l1l2(bad(0.1)),
    TypeError,
    'Expected an options object for options, but received 0.1',
  ],
  // nn.schedules
  [
    'exponentialDecay: no options',
    () => nn.schedules.exponentialDecay(bad(undefined)),
    TypeError,
    'Expected an integer for options.decaySteps, but received undefined',
  ],
  [
    'exponentialDecay: decaySteps 0',
    () => nn.schedules.exponentialDecay({ decaySteps: 0, decayRate: 0.9 }),
    RangeError,
    'Expected an integer >= 1 for options.decaySteps, but received 0',
  ],
  [
    'exponentialDecay: decayRate 0',
    () => nn.schedules.exponentialDecay({ decaySteps: 10, decayRate: 0 }),
    RangeError,
    'Expected a finite number > 0 for options.decayRate, but received 0',
  ],
  [
    'exponentialDecay: staircase 1',
    () => nn.schedules.exponentialDecay({ decaySteps: 10, decayRate: 0.9, staircase: bad(1) }),
    TypeError,
    'Expected a boolean for options.staircase, but received 1',
  ],
  [
    'stepDecay: stepSize 1.5',
    () => nn.schedules.stepDecay({ stepSize: 1.5, gamma: 0.5 }),
    RangeError,
    'Expected an integer >= 1 for options.stepSize, but received 1.5',
  ],
  [
    'stepDecay: negative gamma',
    () => nn.schedules.stepDecay({ stepSize: 2, gamma: -0.5 }),
    RangeError,
    'Expected a finite number > 0 for options.gamma, but received -0.5',
  ],
  [
    'cosineDecay: alpha 2',
    () => nn.schedules.cosineDecay({ decaySteps: 10, alpha: 2 }),
    RangeError,
    'Expected a number in [0, 1] for options.alpha, but received 2',
  ],
  [
    'cosineDecay: negative warmupSteps',
    () => nn.schedules.cosineDecay({ decaySteps: 10, warmupSteps: -1 }),
    RangeError,
    'Expected an integer >= 0 for options.warmupSteps, but received -1',
  ],
  [
    'constant: an unknown option',
    () => nn.schedules.constant(bad({ warmup: 3 })),
    TypeError,
    'Expected one of the options warmupSteps for options, but received an unknown option "warmup"',
  ],
  // nn.callbacks
  [
    'earlyStopping: negative patience',
    () => nn.callbacks.earlyStopping({ patience: -1 }),
    RangeError,
    'Expected an integer >= 0 for options.patience, but received -1',
  ],
  [
    'earlyStopping: unknown mode',
    () => nn.callbacks.earlyStopping({ mode: bad('up') }),
    RangeError,
    'Expected one of "auto", "min", "max" for options.mode, but received "up"',
  ],
  [
    'earlyStopping: monitor a number',
    () => nn.callbacks.earlyStopping({ monitor: bad(5) }),
    TypeError,
    'Expected a string for options.monitor, but received 5',
  ],
  [
    'earlyStopping: minDelta NaN',
    () => nn.callbacks.earlyStopping({ minDelta: NaN }),
    RangeError,
    'Expected a finite number for options.minDelta, but received NaN',
  ],
  [
    'earlyStopping: restoreBestWeights a string',
    () => nn.callbacks.earlyStopping({ restoreBestWeights: bad('y') }),
    TypeError,
    'Expected a boolean for options.restoreBestWeights, but received "y"',
  ],
  [
    'earlyStopping: an unknown option',
    () => nn.callbacks.earlyStopping(bad({ patience: 1, baseline: 0.5 })),
    TypeError,
    'Expected one of the options monitor, patience, minDelta, mode, restoreBestWeights for options, but received an unknown option "baseline"',
  ],
  [
    'reduceLROnPlateau: factor 1',
    () => nn.callbacks.reduceLROnPlateau({ factor: 1 }),
    RangeError,
    'Expected a number in (0, 1) for options.factor, but received 1',
  ],
  [
    'reduceLROnPlateau: factor 0',
    () => nn.callbacks.reduceLROnPlateau({ factor: 0 }),
    RangeError,
    'Expected a number in (0, 1) for options.factor, but received 0',
  ],
  [
    'reduceLROnPlateau: negative minLr',
    () => nn.callbacks.reduceLROnPlateau({ minLr: -1 }),
    RangeError,
    'Expected a finite number >= 0 for options.minLr, but received -1',
  ],
  [
    'reduceLROnPlateau: cooldown 1.5',
    () => nn.callbacks.reduceLROnPlateau({ cooldown: 1.5 }),
    RangeError,
    'Expected an integer >= 0 for options.cooldown, but received 1.5',
  ],
  [
    'modelCheckpoint: path a number',
    () => nn.callbacks.modelCheckpoint(bad(5)),
    TypeError,
    'Expected a string for path, but received 5',
  ],
  [
    'modelCheckpoint: saveBestOnly a string',
    () => nn.callbacks.modelCheckpoint('/tmp/m', { saveBestOnly: bad('yes') }),
    TypeError,
    'Expected a boolean for options.saveBestOnly, but received "yes"',
  ],
  [
    'csvLogger: path null',
    () => nn.callbacks.csvLogger(bad(null)),
    TypeError,
    'Expected a string for path, but received null',
  ],
  [
    'csvLogger: append a number',
    () => nn.callbacks.csvLogger('/tmp/log.csv', { append: bad(1) }),
    TypeError,
    'Expected a boolean for options.append, but received 1',
  ],
  // nn.sequential and model.add
  [
    'sequential: a string',
    () => nn.sequential(bad('dense')),
    TypeError,
    'Expected an array of layers for layers, but received "dense"',
  ],
  [
    'sequential: a number among layers',
    () => nn.sequential(bad([nn.layers.dense({ units: 2 }), 5])),
    TypeError,
    'Expected a layer from nn.layers for layers[1], but received 5',
  ],
  [
    'sequential: a plain object as a layer',
    () => nn.sequential(bad([{ type: 'dense', units: 2 }])),
    TypeError,
    'Expected a layer from nn.layers for layers[0], but received an object',
  ],
  [
    'add: not a layer',
    () => nn.sequential().add(bad('dense')),
    TypeError,
    'Expected a layer from nn.layers for layer, but received "dense"',
  ],
  [
    'build: inputDim 0',
    () => nn.sequential([nn.layers.dense({ units: 2 })]).build(0),
    RangeError,
    'Expected an integer from 1 to 16777216 for inputDim, but received 0',
  ],
  [
    'build: no input size',
    () => nn.sequential([nn.layers.dense({ units: 2 })]).build(),
    Error,
    'The model has no input size yet: give the first layer an inputDim or inputShape, call model.build(inputShape), or fit it on data first',
  ],
  [
    'build: no layer with weights',
    () => nn.sequential([nn.layers.dropout({ rate: 0.5 })]).build(3),
    Error,
    'The model needs at least one layer with weights (dense or conv)',
  ],
  [
    'build: units too large for memory',
    () => nn.sequential([nn.layers.dense({ units: 1 << 24, inputDim: 1 << 20 })]).build(),
    RangeError,
    'Expected a kernel of at most 2^40 weights for layer 0, but received 1048576 x 16777216',
  ],
  [
    'getWeights: no input size',
    () => nn.sequential([nn.layers.dense({ units: 2 })]).getWeights(),
    Error,
    'The model has no input size yet: give the first layer an inputDim or inputShape, call model.build(inputShape), or fit it on data first',
  ],
  // model.compile
  [
    'compile: no options',
    () => nn.sequential([nn.layers.dense({ units: 2, inputDim: 2 })]).compile(bad(undefined)),
    TypeError,
    'Expected an options object { optimizer, loss } for options, but received undefined',
  ],
  [
    'compile: a string',
    () => nn.sequential([nn.layers.dense({ units: 2, inputDim: 2 })]).compile(bad('adam')),
    TypeError,
    'Expected an options object for options, but received "adam"',
  ],
  [
    'compile: an unknown loss',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile({ optimizer: 'adam', loss: bad('crossEntropy') }),
    RangeError,
    'Expected one of "meanSquaredError", "meanAbsoluteError", "huber", "binaryCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy" for loss, but received "crossEntropy"',
  ],
  [
    'compile: loss a number',
    () => nn.sequential([nn.layers.dense({ units: 2, inputDim: 2 })]).compile({ optimizer: 'adam', loss: bad(1) }),
    TypeError,
    'Expected one of "meanSquaredError", "meanAbsoluteError", "huber", "binaryCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy" for loss, but received 1',
  ],
  [
    'compile: an unknown optimizer',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile({ optimizer: 'adamax', loss: 'mse' as nn.LossName }),
    TypeError,
    'Expected an optimizer from nn.optimizers or one of "gd", "sgd", "adam", "adamw", "rmsprop", "adagrad" for optimizer, but received "adamax"',
  ],
  [
    'compile: optimizer a number',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile({ optimizer: bad(0.1), loss: 'meanSquaredError' }),
    TypeError,
    'Expected an optimizer from nn.optimizers or one of "gd", "sgd", "adam", "adamw", "rmsprop", "adagrad" for optimizer, but received 0.1',
  ],
  [
    'compile: metrics a string',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: bad('accuracy') }),
    TypeError,
    'Expected an array of metric names for metrics, but received "accuracy"',
  ],
  [
    'compile: an unknown metric',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: bad(['acuracy']) }),
    RangeError,
    'Expected one of "accuracy", "precision", "recall", "f1", "auc", "mse", "mae" for metrics[0], but received "acuracy"',
  ],
  [
    'compile: an unknown option',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2 })])
        .compile(bad({ optimizer: 'adam', loss: 'meanSquaredError', lr: 0.1 })),
    TypeError,
    'Expected one of the options optimizer, loss, metrics for compile options, but received an unknown option "lr"',
  ],
  [
    'compile: categorical loss after relu',
    () =>
      nn
        .sequential([nn.layers.dense({ units: 2, inputDim: 2, activation: 'relu' })])
        .compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' }),
    RangeError,
    'Expected a model ending in a softmax (or linear) activation for the loss "categoricalCrossentropy", but received a model ending in a "relu" activation',
  ],
  // model.fit (rejects)
  [
    'async fit: not compiled',
    () => nn.sequential([nn.layers.dense({ units: 3, inputDim: 4 })]).fit(x4(), y3()),
    Error,
    'The model must be compiled before fit: call model.compile({ optimizer, loss })',
  ],
  [
    'async fit: x a string',
    () => classifier().fit('x', y3()),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received "x"',
  ],
  [
    'async fit: x undefined',
    () => classifier().fit(undefined, y3()),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received undefined',
  ],
  [
    'async fit: x 3-D',
    () => classifier().fit(nn.tensor(new Float32Array(8), [2, 2, 2]), y3()),
    RangeError,
    'Expected a 2-D tensor [samples, features] for x, but received a tensor of shape [2, 2, 2]',
  ],
  [
    'async fit: x with no samples',
    () => classifier().fit(nn.tensor(new Float32Array(0), [0, 4]), nn.tensor(new Float32Array(0), [0, 3])),
    RangeError,
    'Expected at least one sample for x, but received a tensor of shape [0, 4]',
  ],
  [
    'async fit: x with the wrong number of features',
    () => classifier().fit(nn.tensor(new Float32Array(8 * 5), [8, 5]), y3()),
    RangeError,
    "Expected samples with 4 features (the model's input size) for x, but received a tensor of shape [8, 5]",
  ],
  [
    'async fit: x and y of different lengths',
    () => classifier().fit(x4(), nn.tensor(new Float32Array(7 * 3), [7, 3])),
    RangeError,
    'Expected 8 targets (one per sample of x) for y, but received 7 targets',
  ],
  [
    'async fit: y with the wrong number of outputs',
    () => classifier().fit(x4(), nn.tensor(new Float32Array(8 * 2), [8, 2])),
    RangeError,
    "Expected targets of shape [n, 3] (the model's outputs) for y, but received a tensor of shape [8, 2]",
  ],
  [
    'async fit: categorical y as class ids',
    () => classifier().fit(x4(), ids()),
    RangeError,
    'Expected one-hot rows [n, 3] for categoricalCrossentropy (use sparseCategoricalCrossentropy for class ids) for y, but received a tensor of shape [8]',
  ],
  [
    'async fit: sparse y out of range',
    () => classifier('sparseCategoricalCrossentropy').fit(x4(), nn.tensor([0, 1, 2, 3, 0, 1, 2, 0])),
    RangeError,
    'Expected class ids that are integers from 0 to 2 for y[3], but received 3',
  ],
  [
    'async fit: sparse y not integers',
    () => classifier('sparseCategoricalCrossentropy').fit(x4(), nn.tensor([0, 1, 2, 0.5, 0, 1, 2, 0])),
    RangeError,
    'Expected class ids that are integers from 0 to 2 for y[3], but received 0.5',
  ],
  [
    'async fit: sparse y of shape [n, 2]',
    () => classifier('sparseCategoricalCrossentropy').fit(x4(), nn.tensor(new Float32Array(16), [8, 2])),
    RangeError,
    'Expected class ids of shape [n] or [n, 1] for y, but received a tensor of shape [8, 2]',
  ],
  [
    'async fit: NaN in x',
    () => classifier().fit(withValue(9, NaN), y3()),
    RangeError,
    'Expected finite numbers (set checkFinite: false to skip this check) for x (row 2, column 1), but received NaN',
  ],
  [
    'async fit: Infinity in x',
    () => classifier().fit(withValue(30, Infinity), y3()),
    RangeError,
    'Expected finite numbers (set checkFinite: false to skip this check) for x (row 7, column 2), but received Infinity',
  ],
  [
    'async fit: -Infinity in y',
    () => classifier().fit(x4(), nn.tensor(new Float32Array(24).fill(-Infinity), [8, 3])),
    RangeError,
    'Expected finite numbers (set checkFinite: false to skip this check) for y (row 0, column 0), but received -Infinity',
  ],
  [
    'async fit: options a number',
    () => classifier().fit(x4(), y3(), bad(5)),
    TypeError,
    'Expected an options object for options, but received 5',
  ],
  [
    'async fit: an unknown option',
    () => classifier().fit(x4(), y3(), bad({ epoch: 3 })),
    TypeError,
    'Expected one of the options epochs, batchSize, shuffle, seed, verbose, validationSplit, validationData, initialEpoch, classWeight, callbacks, checkFinite for fit options, but received an unknown option "epoch"',
  ],
  [
    'async fit: epochs -1',
    () => classifier().fit(x4(), y3(), { epochs: -1 }),
    RangeError,
    'Expected an integer from 0 to 1000000000 for epochs, but received -1',
  ],
  [
    'async fit: epochs 1.5',
    () => classifier().fit(x4(), y3(), { epochs: 1.5 }),
    RangeError,
    'Expected an integer from 0 to 1000000000 for epochs, but received 1.5',
  ],
  [
    'async fit: epochs a string',
    () => classifier().fit(x4(), y3(), { epochs: bad('10') }),
    TypeError,
    'Expected an integer for epochs, but received "10"',
  ],
  [
    'async fit: epochs Infinity',
    () => classifier().fit(x4(), y3(), { epochs: Infinity }),
    RangeError,
    'Expected an integer from 0 to 1000000000 for epochs, but received Infinity',
  ],
  [
    'async fit: batchSize 0',
    () => classifier().fit(x4(), y3(), { batchSize: 0 }),
    RangeError,
    'Expected an integer from 1 to 2147483647 for batchSize, but received 0',
  ],
  [
    'async fit: batchSize -32',
    () => classifier().fit(x4(), y3(), { batchSize: -32 }),
    RangeError,
    'Expected an integer from 1 to 2147483647 for batchSize, but received -32',
  ],
  [
    'async fit: batchSize 2.5',
    () => classifier().fit(x4(), y3(), { batchSize: 2.5 }),
    RangeError,
    'Expected an integer from 1 to 2147483647 for batchSize, but received 2.5',
  ],
  [
    'async fit: batchSize NaN',
    () => classifier().fit(x4(), y3(), { batchSize: NaN }),
    RangeError,
    'Expected an integer from 1 to 2147483647 for batchSize, but received NaN',
  ],
  [
    'async fit: validationSplit 1',
    () => classifier().fit(x4(), y3(), { validationSplit: 1 }),
    RangeError,
    'Expected a number in [0, 1) for validationSplit, but received 1',
  ],
  [
    'async fit: validationSplit 1.5',
    () => classifier().fit(x4(), y3(), { validationSplit: 1.5 }),
    RangeError,
    'Expected a number in [0, 1) for validationSplit, but received 1.5',
  ],
  [
    'async fit: validationSplit -0.1',
    () => classifier().fit(x4(), y3(), { validationSplit: -0.1 }),
    RangeError,
    'Expected a number in [0, 1) for validationSplit, but received -0.1',
  ],
  [
    'async fit: validationSplit a string',
    () => classifier().fit(x4(), y3(), { validationSplit: bad('0.2') }),
    TypeError,
    'Expected a number for validationSplit, but received "0.2"',
  ],
  [
    'async fit: validationData a tensor',
    () => classifier().fit(x4(), y3(), { validationData: bad(x4()) }),
    TypeError,
    'Expected an array [xVal, yVal] for validationData, but received a Tensor',
  ],
  [
    'async fit: validationData with one part',
    () => classifier().fit(x4(), y3(), { validationData: bad([x4()]) }),
    TypeError,
    'Expected an array [xVal, yVal] for validationData, but received an array of length 1',
  ],
  [
    'async fit: validationData of mismatched lengths',
    () => classifier().fit(x4(), y3(), { validationData: [x4(), nn.tensor(new Float32Array(6), [2, 3])] }),
    RangeError,
    'Expected 8 targets (one per sample of x) for validationData[1], but received 2 targets',
  ],
  [
    'async fit: NaN in validation x',
    () => classifier().fit(x4(), y3(), { validationData: [withValue(0, NaN), y3()] }),
    RangeError,
    'Expected finite numbers (set checkFinite: false to skip this check) for validationData[0] (row 0, column 0), but received NaN',
  ],
  [
    'async fit: classWeight a number',
    () => classifier().fit(x4(), y3(), { classWeight: bad(2) }),
    TypeError,
    'Expected an object mapping class ids to weights for classWeight, but received 2',
  ],
  [
    'async fit: classWeight for an unknown class',
    () => classifier().fit(x4(), y3(), { classWeight: { 5: 1 } }),
    RangeError,
    'Expected keys that are class ids from 0 to 2 for classWeight, but received the key "5"',
  ],
  [
    'async fit: classWeight with a negative weight',
    () => classifier().fit(x4(), y3(), { classWeight: { 0: -1 } }),
    RangeError,
    'Expected a finite number >= 0 for classWeight[0], but received -1',
  ],
  [
    'async fit: classWeight with a non-numeric key',
    () => classifier().fit(x4(), y3(), { classWeight: bad({ cat: 1 }) }),
    RangeError,
    'Expected keys that are class ids from 0 to 2 for classWeight, but received the key "cat"',
  ],
  [
    'async fit: callbacks a function',
    () => classifier().fit(x4(), y3(), { callbacks: bad(() => {}) }),
    TypeError,
    'Expected an array of callbacks for callbacks, but received a function',
  ],
  [
    'async fit: a number among callbacks',
    () => classifier().fit(x4(), y3(), { callbacks: bad([5]) }),
    TypeError,
    'Expected a callback object for callbacks[0], but received 5',
  ],
  [
    'async fit: a callback hook that is not a function',
    () => classifier().fit(x4(), y3(), { callbacks: bad([{ onEpochEnd: 'log' }]) }),
    TypeError,
    'Expected a function for callbacks[0].onEpochEnd, but received "log"',
  ],
  [
    'async fit: shuffle a string',
    () => classifier().fit(x4(), y3(), { shuffle: bad('yes') }),
    TypeError,
    'Expected a boolean for shuffle, but received "yes"',
  ],
  [
    'async fit: verbose 3',
    () => classifier().fit(x4(), y3(), { verbose: bad(3) }),
    RangeError,
    'Expected 0, 1 or 2 for verbose, but received 3',
  ],
  [
    'async fit: seed -1',
    () => classifier().fit(x4(), y3(), { seed: -1 }),
    RangeError,
    'Expected an integer from 0 to 4294967295 for seed, but received -1',
  ],
  [
    'async fit: initialEpoch -1',
    () => classifier().fit(x4(), y3(), { initialEpoch: -1 }),
    RangeError,
    'Expected an integer from 0 to 1000000000 for initialEpoch, but received -1',
  ],
  [
    'async fit: checkFinite a string',
    () => classifier().fit(x4(), y3(), { checkFinite: bad('no') }),
    TypeError,
    'Expected a boolean for checkFinite, but received "no"',
  ],
  [
    'async fit: a second fit while training',
    () => {
      const m = classifier();
      void m.fit(x4(), y3(), { epochs: 5, verbose: 0 }).catch(() => {});
      return m.fit(x4(), y3(), { verbose: 0 });
    },
    Error,
    'This model is already training: concurrent fit calls on one model are not allowed',
  ],
  // model.evaluate / evaluateAsync
  [
    'evaluate: not compiled',
    () => nn.sequential([nn.layers.dense({ units: 3, inputDim: 4 })]).evaluate(x4(), y3()),
    Error,
    'The model must be compiled before evaluate: call model.compile({ optimizer, loss })',
  ],
  [
    'evaluate: x and y of different lengths',
    () => classifier().evaluate(x4(), nn.tensor(new Float32Array(3), [1, 3])),
    RangeError,
    'Expected 8 targets (one per sample of x) for y, but received 1 target',
  ],
  [
    'evaluate: batchSize 0',
    () => classifier().evaluate(x4(), y3(), { batchSize: 0 }),
    RangeError,
    'Expected an integer >= 1 for batchSize, but received 0',
  ],
  [
    'evaluate: an unknown option',
    () => classifier().evaluate(x4(), y3(), bad({ verbose: 0 })),
    TypeError,
    'Expected one of the options batchSize for evaluate options, but received an unknown option "verbose"',
  ],
  [
    'evaluate: y a string',
    () => classifier().evaluate(x4(), 'y'),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for y, but received "y"',
  ],
  [
    'async evaluateAsync: x with the wrong number of features',
    () => classifier().evaluateAsync(nn.tensor(new Float32Array(6), [2, 3]), y3()),
    RangeError,
    "Expected samples with 4 features (the model's input size) for x, but received a tensor of shape [2, 3]",
  ],
  // model.predict / predictAsync
  [
    'predict: x a string',
    () => classifier().predict('x'),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received "x"',
  ],
  [
    'predict: x null',
    () => classifier().predict(null),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received null',
  ],
  [
    'predict: x with the wrong number of features',
    () => classifier().predict([[1, 2, 3]]),
    RangeError,
    "Expected samples with 4 features (the model's input size) for x, but received a tensor of shape [1, 3]",
  ],
  [
    'predict: x with no samples',
    () => classifier().predict(nn.tensor(new Float32Array(0), [0, 4])),
    RangeError,
    'Expected at least one sample for x, but received a tensor of shape [0, 4]',
  ],
  [
    'predict: x 3-D',
    () => classifier().predict(nn.tensor(new Float32Array(8), [1, 2, 4])),
    RangeError,
    'Expected a 2-D tensor [samples, features] for x, but received a tensor of shape [1, 2, 4]',
  ],
  [
    'predict: no input size and no layer with weights',
    () => nn.sequential([nn.layers.dropout({ rate: 0.1 })]).predict([[1, 2]]),
    Error,
    'The model needs at least one layer with weights (dense or conv)',
  ],
  [
    'async predictAsync: x with the wrong number of features',
    () => classifier().predictAsync(nn.tensor(new Float32Array(10), [2, 5])),
    RangeError,
    "Expected samples with 4 features (the model's input size) for x, but received a tensor of shape [2, 5]",
  ],
  [
    'async predictAsync: x undefined',
    () => classifier().predictAsync(undefined),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received undefined',
  ],
  [
    'async predictAsync: no input size and no layer with weights',
    () => nn.sequential([nn.layers.activation({ activation: 'relu' })]).predictAsync([[1]]),
    Error,
    'The model needs at least one layer with weights (dense or conv)',
  ],
  // model.setWeights / computeGradients / learningRate
  [
    'setWeights: not an array',
    () => classifier().setWeights(bad('w')),
    TypeError,
    'Expected an array of Float32Arrays for weights, but received "w"',
  ],
  [
    'setWeights: too few tensors',
    () => classifier().setWeights([new Float32Array(20)]),
    RangeError,
    'Expected an array of 4 weight tensors for weights, but received an array of length 1',
  ],
  [
    'setWeights: a Float64Array',
    () =>
      classifier().setWeights(
        bad([new Float64Array(20), new Float32Array(5), new Float32Array(15), new Float32Array(3)]),
      ),
    TypeError,
    'Expected a Float32Array for weights[0], but received a Float64Array of length 20',
  ],
  [
    'setWeights: a wrong length',
    () =>
      classifier().setWeights([new Float32Array(20), new Float32Array(4), new Float32Array(15), new Float32Array(3)]),
    RangeError,
    'Expected a Float32Array of length 5 (shape [5]) for weights[1], but received a Float32Array of length 4',
  ],
  [
    'setWeights: a plain array',
    () => classifier().setWeights(bad([[1, 2], new Float32Array(5), new Float32Array(15), new Float32Array(3)])),
    TypeError,
    'Expected a Float32Array for weights[0], but received [1, 2]',
  ],
  [
    'computeGradients: not compiled',
    () => nn.sequential([nn.layers.dense({ units: 3, inputDim: 4 })]).computeGradients(x4(), y3()),
    Error,
    'The model must be compiled before computeGradients: call model.compile({ optimizer, loss })',
  ],
  [
    'computeGradients: y of the wrong width',
    () => classifier().computeGradients(x4(), nn.tensor(new Float32Array(16), [8, 2])),
    RangeError,
    "Expected targets of shape [n, 3] (the model's outputs) for y, but received a tensor of shape [8, 2]",
  ],
  [
    'computeGradients: x with the wrong number of features',
    () => classifier().computeGradients(nn.tensor(new Float32Array(16), [8, 2]), y3()),
    RangeError,
    "Expected samples with 4 features (the model's input size) for x, but received a tensor of shape [8, 2]",
  ],
  [
    'learningRate: negative',
    () => {
      classifier().learningRate = -1;
    },
    RangeError,
    'Expected a finite number >= 0 for learningRate, but received -1',
  ],
  // nn.data and nn.loadModel basics
  [
    'data.trainTestSplit: testSize 1.5',
    () => nn.data.trainTestSplit(x4(), y3(), { testSize: 1.5 }),
    RangeError,
    'Expected a fraction in (0, 1) or an integer count from 1 to 7 for options.testSize, but received 1.5',
  ],
  [
    'data.trainTestSplit: x and y of different lengths',
    () => nn.data.trainTestSplit(x4(), nn.tensor(new Float32Array(3), [1, 3])),
    RangeError,
    'Expected 8 rows (as many as x) for y, but received a tensor of shape [1, 3]',
  ],
  [
    'data.kFold: k 1',
    () => nn.data.kFold(10, 1),
    RangeError,
    'Expected an integer from 2 to 10 (the number of rows) for k, but received 1',
  ],
  [
    'data.kFold: k larger than n',
    () => nn.data.kFold(3, 5),
    RangeError,
    'Expected an integer from 2 to 3 (the number of rows) for k, but received 5',
  ],
  [
    'data.kFold: n a string',
    () => nn.data.kFold(bad('10'), 2),
    TypeError,
    'Expected an integer for n, but received "10"',
  ],
  [
    'data.oneHot: a label out of range',
    () => nn.data.oneHot([0, 5], 3),
    RangeError,
    'Expected an integer class id from 0 to 2 for labels[1], but received 5',
  ],
  [
    'data.oneHot: a negative label',
    () => nn.data.oneHot([0, -1], 3),
    RangeError,
    'Expected an integer class id from 0 to 2 for labels[1], but received -1',
  ],
  [
    'data.standardize: a string',
    () => nn.data.standardize('x'),
    TypeError,
    'Expected a Tensor, a Float32Array or an array of numbers for x, but received "x"',
  ],
  [
    'data.permutation: n -1',
    () => nn.data.permutation(-1),
    RangeError,
    'Expected an integer from 0 to 2147483647 for n, but received -1',
  ],
  [
    'async loadModel: a number',
    () => nn.loadModel(bad(5)),
    TypeError,
    'Expected a folder written by model.save(), a model.json path, or a Buffer from model.toBuffer() for source, but received 5',
  ],
  [
    'async loadModel: an empty string',
    () => nn.loadModel(''),
    TypeError,
    'Expected a folder written by model.save(), a model.json path, or a Buffer from model.toBuffer() for source, but received ""',
  ],
  [
    'async loadModel: a missing folder',
    () => nn.loadModel('/nonexistent/simdnn-model'),
    Error,
    'Expected a saved model (a folder with model.json and weights.bin, a model.json file, or a model buffer file) for source, but received "/nonexistent/simdnn-model", which does not exist',
  ],
  [
    'async loadModel: an empty buffer',
    () => nn.loadModel(new Uint8Array(0)),
    nn.ModelFormatError,
    'Expected a model buffer from model.toBuffer() (starting with the bytes "SIMDNN\\0\\x01") for the model buffer, but received 0 bytes',
  ],
  [
    'async loadModel: a buffer of garbage',
    () => nn.loadModel(Buffer.from('not a model at all')),
    nn.ModelFormatError,
    'Expected a model buffer from model.toBuffer() (starting with the bytes "SIMDNN\\0\\x01") for the model buffer, but received bytes starting with "not a mo"',
  ],
  [
    'batchNormalization: epsilon 0',
    () => nn.layers.batchNormalization({ epsilon: 0 }),
    RangeError,
    'Expected a finite number > 0 for epsilon, but received 0',
  ],
  [
    'batchNormalization: a negative epsilon',
    () => nn.layers.batchNormalization({ epsilon: -1e-3 }),
    RangeError,
    'Expected a finite number > 0 for epsilon, but received -0.001',
  ],
  [
    'layerNormalization: epsilon 0',
    () => nn.layers.layerNormalization({ epsilon: 0 }),
    RangeError,
    'Expected a finite number > 0 for epsilon, but received 0',
  ],
  [
    'batchNormalization: momentum 1',
    () => nn.layers.batchNormalization({ momentum: 1 }),
    RangeError,
    'Expected a number in [0, 1) for momentum, but received 1',
  ],
  [
    'batchNormalization: a negative momentum',
    () => nn.layers.batchNormalization({ momentum: -0.1 }),
    RangeError,
    'Expected a number in [0, 1) for momentum, but received -0.1',
  ],
  [
    'batchNormalization: momentum a string',
    () => nn.layers.batchNormalization({ momentum: bad('0.9') }),
    TypeError,
    'Expected a number for momentum, but received "0.9"',
  ],
  [
    'batchNormalization: center not a boolean',
    () => nn.layers.batchNormalization({ center: bad(1) }),
    TypeError,
    'Expected a boolean for center, but received 1',
  ],
  [
    'batchNormalization: an unknown option',
    () => nn.layers.batchNormalization(bad({ axis: -1 })),
    TypeError,
    'Expected one of the options momentum, epsilon, center, scale, trainable, inputShape, name for batchNormalization options, but received an unknown option "axis"',
  ],
  [
    'batchNormalization: a sample of four dimensions',
    () => nn.sequential([nn.layers.batchNormalization({ inputShape: bad([2, 2, 2, 2]) })]),
    TypeError,
    'Expected a sample shape ([features], [steps, c] or [h, w, c]) for inputShape, but received [2, 2, 2, 2]',
  ],
  [
    'setWeights: a moving mean of the wrong size',
    () => {
      const m = nn.sequential([nn.layers.dense({ units: 3, inputDim: 2 }), nn.layers.batchNormalization()]);
      const w = m.getWeights();
      w[4] = new Float32Array(2);
      m.setWeights(w);
    },
    RangeError,
    'Expected a Float32Array of length 3 (shape [3], the movingMean of batchNormalization_1) for weights[4], but received a Float32Array of length 2',
  ],
  [
    'setWeights: a negative moving variance',
    () => {
      const m = nn.sequential([nn.layers.dense({ units: 3, inputDim: 2 }), nn.layers.batchNormalization()]);
      const w = m.getWeights();
      w[5] = new Float32Array([1, -0.5, 1]);
      m.setWeights(w);
    },
    RangeError,
    'Expected a moving variance of finite values >= 0 for weights[5][1], but received -0.5',
  ],
  [
    'setWeights: a NaN moving variance',
    () => {
      const m = nn.sequential([nn.layers.dense({ units: 3, inputDim: 2 }), nn.layers.batchNormalization()]);
      const w = m.getWeights();
      w[5] = new Float32Array([1, NaN, 1]);
      m.setWeights(w);
    },
    RangeError,
    'Expected a moving variance of finite values >= 0 for weights[5][1], but received NaN',
  ],
  [
    'layer.trainable: a string',
    () => {
      nn.layers.dense({ units: 1 }).trainable = bad('false');
    },
    TypeError,
    'Expected a boolean for trainable, but received "false"',
  ],
  [
    'dense: trainable a number',
    () => nn.layers.dense({ units: 1, trainable: bad(0) }),
    TypeError,
    'Expected a boolean for trainable, but received 0',
  ],
  [
    'computeGradients: training not a boolean',
    () => classifier().computeGradients(x4(), y3(), { training: bad(1) }),
    TypeError,
    'Expected a boolean for options.training, but received 1',
  ],
];

describe('bad input', () => {
  it('has a row for at least 150 bad calls, each label once', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
  });

  it.each(rows)('%s', async (label, call, errorClass, message) => {
    let error: unknown;
    if (label.startsWith('async ')) {
      let result: unknown;
      expect(() => (result = call()), 'an async call must reject, not throw').not.toThrow();
      expect(result).toBeInstanceOf(Promise);
      error = await (result as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
    } else {
      try {
        call();
      } catch (e) {
        error = e;
      }
    }
    expect(error, 'the call must fail').toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(errorClass);
    expect((error as Error).message).toBe(message);
  });
});
