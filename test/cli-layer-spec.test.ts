// The --layers grammar of `simdnn train`: tokens to layers, shapes checked token by token, errors naming the token.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/cli/args.js';
import { parseLayers, wantsImages } from '../lib/cli/layer-spec.js';

const digits = { name: 'digits', features: 64, imageShape: [8, 8, 1] };
const iris = { name: 'iris', features: 4 };

describe('parseLayers', () => {
  it('reads every token kind with its options', () => {
    const { items, inputShape } = parseLayers(
      'conv32x3,conv8x3x5s2sametanh,conv4x2d2,pool2,maxpool2s1same,avgpool2,bn,ln,dropout0.25,gap,dense64,32,dense16leakyrelu',
      { name: 'x', features: 400, imageShape: [20, 20, 1] },
    );
    expect(inputShape).toEqual([20, 20, 1]);
    expect(items).toEqual([
      {
        kind: 'conv2d',
        filters: 32,
        kernelSize: [3, 3],
        strides: 1,
        dilationRate: 1,
        padding: 'valid',
        activation: undefined,
      },
      {
        kind: 'conv2d',
        filters: 8,
        kernelSize: [3, 5],
        strides: 2,
        dilationRate: 1,
        padding: 'same',
        activation: 'tanh',
      },
      {
        kind: 'conv2d',
        filters: 4,
        kernelSize: [2, 2],
        strides: 1,
        dilationRate: 2,
        padding: 'valid',
        activation: undefined,
      },
      { kind: 'maxPooling2d', poolSize: 2, strides: 2, padding: 'valid' },
      { kind: 'maxPooling2d', poolSize: 2, strides: 1, padding: 'same' },
      { kind: 'averagePooling2d', poolSize: 2, strides: 2, padding: 'valid' },
      { kind: 'batchNormalization' },
      { kind: 'layerNormalization' },
      { kind: 'dropout', rate: 0.25 },
      { kind: 'globalAveragePooling2d' },
      { kind: 'dense', units: 64, activation: undefined },
      { kind: 'dense', units: 32, activation: undefined },
      { kind: 'dense', units: 16, activation: 'leakyRelu' },
    ]);
  });

  it('keeps plain unit lists flat (also on image data) and "none" empty', () => {
    expect(parseLayers('64,32', digits)).toEqual({
      items: [
        { kind: 'dense', units: 64, activation: undefined },
        { kind: 'dense', units: 32, activation: undefined },
      ],
      inputShape: [64],
    });
    expect(parseLayers('none', iris)).toEqual({ items: [], inputShape: [4] });
    expect(parseLayers('bn,16', iris).inputShape).toEqual([4]);
    expect(parseLayers('flatten,16', digits).inputShape).toEqual([8, 8, 1]);
    expect(wantsImages(parseLayers('dropout0.1,conv2x3,flatten', digits).items)).toBe(true);
  });

  it('reads reshape and the sequence tokens, taking flat rows and tracking [steps, channels]', () => {
    const { items, inputShape } = parseLayers(
      'reshape64x1,conv1d8x3same,pool1d2,avgpool1d2s1,conv1d4x2d2tanh,gap1d,16',
      digits,
    );
    expect(inputShape).toEqual([64]);
    expect(items).toEqual([
      { kind: 'reshape', targetShape: [64, 1] },
      {
        kind: 'conv1d',
        filters: 8,
        kernelSize: 3,
        strides: 1,
        dilationRate: 1,
        padding: 'same',
        activation: undefined,
      },
      { kind: 'maxPooling1d', poolSize: 2, strides: 2, padding: 'valid' },
      { kind: 'averagePooling1d', poolSize: 2, strides: 1, padding: 'valid' },
      { kind: 'conv1d', filters: 4, kernelSize: 2, strides: 1, dilationRate: 2, padding: 'valid', activation: 'tanh' },
      { kind: 'globalAveragePooling1d' },
      { kind: 'dense', units: 16, activation: undefined },
    ]);
    // reshape makes images out of flat rows, on any data set with the right size
    expect(parseLayers('reshape2x2x1,conv3x2,flatten', iris).inputShape).toEqual([4]);
    expect(parseLayers('reshape4x1,conv1d2x2s2,flatten', iris).items[1]).toEqual({
      kind: 'conv1d',
      filters: 2,
      kernelSize: 2,
      strides: 2,
      dilationRate: 1,
      padding: 'valid',
      activation: undefined,
    });
  });

  it('rejects bad tokens and shapes, naming the token', () => {
    const cases: [string, typeof digits | typeof iris, string][] = [
      [
        '64,x',
        digits,
        'Expected a layer token: N or denseN[act], convFxK[sS][dD][same][act], poolP[sS][same], avgpoolP[sS][same], gap, gmp, conv1dFxK[sS][dD][same][act], pool1dP[sS][same], avgpool1dP[sS][same], gap1d, flatten, reshapeAxB[xC], dropoutP, bn or ln (see simdnn train --help) for --layers (token 2 of 2), but received "x"',
      ],
      ['cnv8x3', digits, 'Expected a layer token (did you mean conv…?)'],
      [
        'conv8x3',
        iris,
        'Expected image data for conv, pooling and flatten layers (--data digits or fashion-mnist), or a reshape token first for --layers, but received "conv8x3" with --data iris, whose samples are flat rows of 4 features',
      ],
      [
        'conv8x3,dense10',
        digits,
        'Expected flat samples for --layers token 2 "dense10", but received image samples [6, 6, 8] from "conv8x3" (add flatten or gap before it)',
      ],
      [
        'conv8x9',
        digits,
        'Expected a kernel (9 x 9) no larger than its input (add "same" to pad) for --layers token 1 "conv8x9", but received an input of [8, 8, 1] from the input of digits',
      ],
      ['conv2x3d4', digits, 'Expected a kernel (9 x 9 with dilation) no larger than its input'],
      [
        'conv8x3,pool2,pool2,pool2,flatten',
        digits,
        'Expected a pool (2 x 2) no larger than its input for --layers token 4 "pool2", but received an input of [1, 1, 8] from "pool2"',
      ],
      [
        'conv8x3,pool2',
        digits,
        'Expected a list that ends with flat samples for the output layer (end it with flatten, gap or gap1d) for --layers, but received "conv8x3,pool2", whose last layer gives [3, 3, 8]',
      ],
      [
        'conv8x3,flatten,conv4x3',
        digits,
        'Expected image samples [h, w, c] for --layers token 3 "conv4x3", but received flat samples [288] from "flatten" (put image layers first, or reshape, e.g. reshape28x28x1)',
      ],
      [
        'dense64relux',
        digits,
        'Expected an activation (linear, relu, leakyRelu, elu, gelu, sigmoid, tanh, softmax, softplus) after the sizes; did you mean relu? for --layers (token 1 of 1), but received "dense64relux"',
      ],
      [
        'conv8x3s2d2',
        digits,
        'Expected a stride or a dilation, not both above 1 (as in Keras) for --layers (token 1 of 1), but received "conv8x3s2d2"',
      ],
      [
        'conv0x3',
        digits,
        'Expected a number of filters from 1 to 1048576 for --layers (token 1 of 1), but received "conv0x3"',
      ],
      [
        'pool0,flatten',
        digits,
        'Expected a pool size from 1 to 1048576 for --layers (token 1 of 2), but received "pool0"',
      ],
      [
        'reshape3x1',
        iris,
        'Expected a target shape of 4 values, as [4] from the input of iris (e.g. reshape4x1) for --layers token 1 "reshape3x1", but received [3, 1], 3 values',
      ],
      [
        'reshape1x1x2x2,flatten',
        iris,
        'Expected a target shape of 1 to 3 sizes ([features], [steps, channels] or [h, w, c]) for --layers token 1 "reshape1x1x2x2", but received [1, 1, 2, 2]',
      ],
      [
        'reshape4x1,conv1d2x5,flatten',
        iris,
        'Expected a kernel (5) no longer than its input (add "same" to pad) for --layers token 2 "conv1d2x5", but received an input of [4, 1] from "reshape4x1"',
      ],
      [
        'reshape4x1,conv1d2x2x2,flatten',
        iris,
        'Expected one kernel size for conv1d (conv1dFxK) for --layers (token 2 of 3), but received "conv1d2x2x2"',
      ],
      [
        'reshape4x1,pool1d5,flatten',
        iris,
        'Expected a pool (5) no longer than its input for --layers token 2 "pool1d5", but received an input of [4, 1] from "reshape4x1"',
      ],
      [
        'reshape4x1,conv1d2x2,dense3',
        iris,
        'Expected flat samples for --layers token 3 "dense3", but received sequence samples [3, 2] from "conv1d2x2" (add flatten or gap1d before it)',
      ],
      [
        'reshape4x1,conv2x2,flatten',
        iris,
        'Expected image samples [h, w, c] for --layers token 2 "conv2x2", but received sequence samples [4, 1] from "reshape4x1"',
      ],
      [
        'conv1d2x2,flatten',
        iris,
        'Expected sequence samples [steps, channels] for --layers token 1 "conv1d2x2", but received flat samples [4] from the input of iris (reshape first, e.g. reshape4x1)',
      ],
      [
        'conv8x3,gap1d',
        digits,
        'Expected sequence samples [steps, channels] for --layers token 2 "gap1d", but received image samples [6, 6, 8] from "conv8x3"',
      ],
      [
        'conv1d8x3s2d2',
        digits,
        'Expected a stride or a dilation, not both above 1 (as in Keras) for --layers (token 1 of 1), but received "conv1d8x3s2d2"',
      ],
      [
        'dense0',
        iris,
        'Expected a number of units from 1 to 1048576 for --layers (token 1 of 1), but received "dense0"',
      ],
      [
        'dropout1.5',
        iris,
        'Expected a dropout rate from 0 to 1 (exclusive), such as dropout0.25 for --layers (token 1 of 1), but received "dropout1.5"',
      ],
      [
        '64,none',
        iris,
        'Expected "none" alone (it means no hidden layer) for --layers (token 2 of 2), but received "none"',
      ],
    ];
    for (const [text, data, message] of cases) {
      let err: unknown;
      try {
        parseLayers(text, data);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(UsageError);
      expect((err as Error).message, text).toContain(message);
    }
  });
});
