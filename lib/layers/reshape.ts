/** Flatten and reshape: a new sample shape over the same row-major data (no copy). */
import { rangeError, typeError } from '../errors.js';
import { checkInteger, checkKnownKeys, checkOptions } from '../validate.js';
import { Layer, registerLayer, product } from './base.js';
import { MAX_UNITS, NATIVE_TYPE, nameOption, trainableOption } from './core.js';

/** `[h, w, c]` → `[h·w·c]`, keeping the row-major (h, w, c) order. */
export function flatten(options: { inputShape?: number[]; trainable?: boolean; name?: string } = {}): Layer {
  const o = checkOptions(options ?? {}, 'options');
  checkKnownKeys(o, ['inputShape', 'trainable', 'name'], 'flatten options');
  return new Layer({
    type: 'flatten',
    name: nameOption(o),
    inputShape: shapeOption(o.inputShape, 'inputShape'),
    trainable: trainableOption(o),
  });
}

/** A new sample shape with the same number of values; one dimension may be -1 (inferred). */
export function reshape(options: {
  targetShape: number[];
  inputShape?: number[];
  trainable?: boolean;
  name?: string;
}): Layer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['targetShape', 'inputShape', 'trainable', 'name'], 'reshape options');
  const t = o.targetShape;
  if (!Array.isArray(t) || t.length === 0) throw typeError('a non-empty array of dimensions', 'targetShape', t);
  const targetShape = t.map((d, i) =>
    d === -1 ? -1 : checkInteger(d, `targetShape[${i}]`, { min: 1, max: MAX_UNITS }),
  );
  if (targetShape.filter((d) => d === -1).length > 1)
    throw rangeError('at most one dimension of -1 (inferred)', 'targetShape', t);
  return new Layer({
    type: 'reshape',
    name: nameOption(o),
    targetShape,
    inputShape: shapeOption(o.inputShape, 'inputShape'),
    trainable: trainableOption(o),
  });
}

function shapeOption(v: unknown, argument: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw typeError('a sample shape (an array of dimensions)', argument, v);
  return v.map((d, i) => checkInteger(d, `${argument}[${i}]`, { min: 1, max: MAX_UNITS }));
}

registerLayer({
  type: 'flatten',
  outputShape: (_c, input) => [product(input)],
  weights: () => [],
  native: (_c, input) => ({ type: NATIVE_TYPE.reshape, units: product(input) }),
  fromJSON: (c) => flatten({ inputShape: c.inputShape, name: c.name }),
});

registerLayer({
  type: 'reshape',
  outputShape(c, input, label) {
    const total = product(input);
    const known = product(c.targetShape!.filter((d) => d !== -1));
    const free = c.targetShape!.includes(-1);
    if (free ? total % known !== 0 : known !== total)
      throw new RangeError(
        `Expected a targetShape holding the ${total} values of each sample (input [n, ${input.join(', ')}]) for ${label}, but received [${c.targetShape!.join(', ')}]`,
      );
    return c.targetShape!.map((d) => (d === -1 ? total / known : d));
  },
  weights: () => [],
  native: (_c, input) => ({ type: NATIVE_TYPE.reshape, units: product(input) }),
  fromJSON: (c) => reshape({ targetShape: c.targetShape!, inputShape: c.inputShape, name: c.name }),
  detail: (c) => `[${c.targetShape!.join(', ')}]`,
});
