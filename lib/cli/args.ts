/** Command-line parsing for `simdnn`: node:util parseArgs plus value checks with the library's message style. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describe, expectedMessage } from '../errors.js';

/** A mistake in how the command was called: printed with a usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** The closest known name, when it is close enough to be a likely typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(name, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * Parses `argv` for `command` (strict: unknown options, missing values and stray positionals are
 * UsageErrors). Options given twice keep their last value.
 */
export function parse(
  command: string,
  argv: string[],
  options: Options,
  positionals = 0,
): { values: Values; positionals: string[] } {
  const known = Object.keys(options).map((k) => `--${k}`);
  // Check option names ourselves first, for a message that names the valid options.
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.startsWith('--') ? arg.split('=')[0]! : arg.slice(0, 2);
    const isKnown = arg.startsWith('--')
      ? known.includes(name)
      : Object.values(options).some((o) => o.short === name.slice(1));
    if (!isKnown && !/^-\d|^-\.\d/.test(arg)) {
      const hint = suggest(name, known);
      throw new UsageError(
        expectedMessage(
          `one of the options ${known.join(', ')}`,
          `simdnn ${command}`,
          `an unknown option ${JSON.stringify(name)}${hint ? ` (did you mean ${hint}?)` : ''}`,
        ),
        command,
      );
    }
  }
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (r.positionals.length > positionals)
      throw new UsageError(
        expectedMessage(
          positionals === 0 ? 'only options' : `at most ${positionals} argument(s)`,
          `simdnn ${command}`,
          `an unexpected argument ${describe(r.positionals[positionals])}`,
        ),
        command,
      );
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as { code?: string; message: string };
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const m = /Option '(?:-\w, )?(--[\w-]+)/.exec(e.message);
      const name = m?.[1] ?? 'an option';
      const type = options[name.slice(2)]?.type;
      if (/ambiguous/.test(e.message))
        throw new UsageError(
          expectedMessage(`a value; write ${name}=VALUE for a value starting with "-"`, name, 'an ambiguous value'),
          command,
        );
      throw new UsageError(
        type === 'boolean'
          ? expectedMessage('no value (it is a switch)', name, 'a value')
          : expectedMessage('a value after the option', name, 'nothing'),
        command,
      );
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(
        expectedMessage('only options', `simdnn ${command}`, `an unexpected argument (${e.message})`),
        command,
      );
    throw new UsageError(e.message, command);
  }
}

/** Reads flag values with checks; every problem is a UsageError naming the flag. */
export class Flags {
  constructor(
    readonly values: Values,
    readonly command: string,
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  private fail(what: string, name: string, raw: string): never {
    throw new UsageError(expectedMessage(what, `--${name}`, JSON.stringify(raw)), this.command);
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') this.fail('a value', name, String(v));
    return v;
  }

  required(name: string, what: string): string {
    const v = this.string(name);
    if (v === undefined)
      throw new UsageError(expectedMessage(what, `--${name}`, 'nothing (the option is required)'), this.command);
    return v;
  }

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  number(name: string, fallback: number, { min = -Infinity, max = Infinity, minExclusive = false } = {}): number {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    const s = String(raw).trim();
    const v = Number(s);
    const ok = s !== '' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max;
    if (!ok) {
      const range =
        max === Infinity
          ? `a number ${minExclusive ? '>' : '>='} ${min}`
          : `a number from ${min}${minExclusive ? ' (exclusive)' : ''} to ${max}`;
      this.fail(min === -Infinity && max === Infinity ? 'a number' : range, name, s);
    }
    return v;
  }

  integer(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    const s = String(raw).trim();
    const v = Number(s);
    if (s === '' || !Number.isInteger(v) || v < min || v > max)
      this.fail(max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, name, s);
    return v;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T, aliases: Record<string, T> = {}): T {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    const s = String(raw);
    const v = aliases[s] ?? s;
    if (!(choices as readonly string[]).includes(v)) {
      const hint = suggest(s, choices);
      this.fail(`one of ${choices.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`, name, s);
    }
    return v as T;
  }

  /** A comma-separated list of positive integers; "" or "none" is the empty list. */
  integerList(name: string, fallback: number[]): number[] {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    const s = String(raw).trim();
    if (s === '' || s === 'none' || s === '0') return [];
    const parts = s.split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 1 << 20))
      this.fail('comma-separated positive integers such as 64,32 (or "none")', name, s);
    return parts.map(Number);
  }
}
