/**
 * One message style for every argument error:
 * `Expected <what> for <argument>, but received <value>`.
 * TypeError when the kind of value is wrong, RangeError when its value is.
 */

/** Describes a received value briefly, for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor?.name ?? 'typed array';
    const len = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `a ${name} of length ${len}`;
  }
  if (Array.isArray(value)) {
    if (value.length <= 8 && value.every((v) => typeof v === 'number' || typeof v === 'string'))
      return `[${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`;
    return `an array of length ${value.length}`;
  }
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** The message of every argument error. */
export function expectedMessage(what: string, argument: string, received: string): string {
  return `Expected ${what} for ${argument}, but received ${received}`;
}

export function typeError(what: string, argument: string, value: unknown): TypeError {
  return new TypeError(expectedMessage(what, argument, describe(value)));
}

export function rangeError(what: string, argument: string, value: unknown): RangeError {
  return new RangeError(expectedMessage(what, argument, describe(value)));
}
