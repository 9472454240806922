/** Weight initializers by name (Keras semantics), drawn from the model's seeded generator. */
import { checkChoice, checkKnownKeys, checkNumber, isPlainObject } from './validate.js';
import { rangeError, typeError } from './errors.js';

export const INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunNormal',
  'zeros',
  'ones',
  'randomNormal',
  'randomUniform',
  'constant',
  'lecunUniform',
] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

/** An initializer by name, or with parameters: `{ name: 'randomNormal', mean, stddev }`, `{ name: 'randomUniform', minval, maxval }`, `{ name: 'constant', value }`. */
export type InitializerSpec =
  | InitializerName
  | { name: InitializerName; mean?: number; stddev?: number; minval?: number; maxval?: number; value?: number };

/** The native form: kind id and two parameters. */
export interface NativeInit {
  kind: number;
  a: number;
  b: number;
}

export function resolveInitializer(spec: unknown, argument: string): NativeInit {
  const name = typeof spec === 'string' ? spec : isPlainObject(spec) ? spec.name : undefined;
  if (name === undefined) throw typeError('an initializer name or { name, ... }', argument, spec);
  const n = checkChoice(name, INITIALIZERS, typeof spec === 'string' ? argument : `${argument}.name`);
  const kind = INITIALIZERS.indexOf(n);
  const o = isPlainObject(spec) ? spec : {};
  checkKnownKeys(o, ['name', 'mean', 'stddev', 'minval', 'maxval', 'value'], argument);
  const num = (key: string, fallback: number, opts = {}) =>
    o[key] === undefined ? fallback : checkNumber(o[key], `${argument}.${key}`, opts);
  switch (n) {
    case 'randomNormal':
      return { kind, a: num('mean', 0), b: num('stddev', 0.05, { min: 0 }) };
    case 'randomUniform': {
      const a = num('minval', -0.05);
      const b = num('maxval', 0.05);
      if (b < a) throw rangeError(`a number >= minval (${a})`, `${argument}.maxval`, b);
      return { kind, a, b };
    }
    case 'constant':
      return { kind, a: num('value', 0), b: 0 };
    default:
      return { kind, a: 0, b: 0 };
  }
}
