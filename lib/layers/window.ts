/** Options and geometry shared by convolution and pooling: sizes per axis and TensorFlow's padding rule. */
import { rangeError, typeError } from '../errors.js';
import { checkChoice, checkInteger } from '../validate.js';
import { type Shape, shapeError } from './base.js';

const MAX_WINDOW = 1 << 16;

/** A size option (`kernelSize`, `strides`, `dilationRate`, `poolSize`): a number or one per axis. */
export function sizeOption(v: unknown, argument: string, axes: 1 | 2): number[] {
  if (typeof v === 'number') return Array(axes).fill(checkInteger(v, argument, { min: 1, max: MAX_WINDOW }));
  if (Array.isArray(v)) {
    if (v.length !== axes) throw rangeError(`a positive integer or an array of ${axes} positive integers`, argument, v);
    return v.map((d, i) => checkInteger(d, `${argument}[${i}]`, { min: 1, max: MAX_WINDOW }));
  }
  throw typeError(`a positive integer or an array of ${axes} positive integers`, argument, v);
}

export function paddingOption(v: unknown): 'valid' | 'same' {
  return v === undefined ? 'valid' : checkChoice(v, ['valid', 'same'] as const, 'padding');
}

/** TensorFlow's rule: the output size along one axis. Throws when a 'valid' window does not fit. */
export function outputSize(input: number, k: number, s: number, d: number, same: boolean): number {
  if (same) return Math.ceil(input / s);
  const span = (k - 1) * d + 1;
  return span > input ? 0 : Math.floor((input - span) / s) + 1;
}

export interface Window {
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: 'valid' | 'same';
}

/**
 * The spatial output of a window over `input` (`[h, w, c]`, or `[steps, c]` for 1-D), and the native
 * geometry. `what` names the window in errors ("kernel", "pool").
 */
export function applyWindow(
  win: Window,
  input: Shape,
  label: string,
  what: string,
): { spatial: number[]; native: Record<string, unknown> } {
  const axes = win.kernel.length;
  const rank = axes + 1;
  if (input.length !== rank) throw shapeError(label, axes === 2 ? '[n, h, w, c]' : '[n, steps, c]', input);
  const dims = input.slice(0, axes);
  const spatial = dims.map((d, i) =>
    outputSize(d, win.kernel[i]!, win.strides[i]!, win.dilation[i]!, win.padding === 'same'),
  );
  if (spatial.some((o) => o < 1)) {
    const span = win.kernel.map((k, i) => (k - 1) * win.dilation[i]! + 1);
    throw new RangeError(
      `Expected a ${what} (${span.join(' x ')}${win.dilation.some((d) => d > 1) ? ' with dilation' : ''}) no larger than the input (${dims.join(' x ')}) for ${label} with padding 'valid', but received an input of shape [n, ${input.join(', ')}]`,
    );
  }
  const two = axes === 2;
  return {
    spatial,
    native: {
      inH: two ? dims[0] : 1,
      inW: two ? dims[1] : dims[0],
      inC: input[axes],
      kH: two ? win.kernel[0] : 1,
      kW: two ? win.kernel[1] : win.kernel[0],
      sH: two ? win.strides[0] : 1,
      sW: two ? win.strides[1] : win.strides[0],
      dH: two ? win.dilation[0] : 1,
      dW: two ? win.dilation[1] : win.dilation[0],
      same: win.padding === 'same',
    },
  };
}
