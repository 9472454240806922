/** Small predicates and assertions shared by the facade's validation. */
import { describe, expectedMessage, rangeError, typeError } from './errors.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function checkOptions(v: unknown, argument: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw typeError('an options object', argument, v);
  return v;
}

/** Rejects option keys that are not known, naming the valid ones. */
export function checkKnownKeys(opts: Record<string, unknown>, known: readonly string[], argument: string): void {
  for (const key of Object.keys(opts))
    if (!known.includes(key) && opts[key] !== undefined)
      throw new TypeError(
        expectedMessage(`one of the options ${known.join(', ')}`, argument, `an unknown option ${JSON.stringify(key)}`),
      );
}

export function checkNumber(
  v: unknown,
  argument: string,
  { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = {},
): number {
  if (typeof v !== 'number') throw typeError('a number', argument, v);
  const lo = minExclusive ? v > min : v >= min;
  const hi = maxExclusive ? v < max : v <= max;
  if (!Number.isFinite(v) || !lo || !hi) {
    const range =
      min === -Infinity && max === Infinity
        ? 'a finite number'
        : max === Infinity
          ? `a finite number ${minExclusive ? '>' : '>='} ${min}`
          : min === -Infinity
            ? `a finite number ${maxExclusive ? '<' : '<='} ${max}`
            : `a number in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
    throw rangeError(range, argument, v);
  }
  return v;
}

export function checkInteger(v: unknown, argument: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (typeof v !== 'number') throw typeError('an integer', argument, v);
  if (!Number.isInteger(v) || v < min || v > max) {
    const what = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw rangeError(what, argument, v);
  }
  return v;
}

export function checkBoolean(v: unknown, argument: string): boolean {
  if (typeof v !== 'boolean') throw typeError('a boolean', argument, v);
  return v;
}

export function checkString(v: unknown, argument: string): string {
  if (typeof v !== 'string') throw typeError('a string', argument, v);
  return v;
}

/** A name from a fixed list; the message lists the valid names. */
export function checkChoice<T extends string>(v: unknown, choices: readonly T[], argument: string): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    const what = `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
    throw typeof v === 'string' ? rangeError(what, argument, v) : typeError(what, argument, v);
  }
  return v as T;
}

export function checkFunction(v: unknown, argument: string): (...args: never[]) => unknown {
  if (typeof v !== 'function') throw typeError('a function', argument, v);
  return v as (...args: never[]) => unknown;
}

export { describe };
