/**
 * Learning-rate schedules, evaluated natively at every optimizer step.
 * `step` counts updates already done (0 for the first).
 * - `exponentialDecay`: `lr * decayRate ^ (step / decaySteps)` (floored with `staircase`)
 * - `stepDecay`: `lr * gamma ^ floor(step / stepSize)`
 * - `cosineDecay`: `lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)`
 * - `warmupSteps` (every schedule, and `constant`): linear warmup `lr * (step + 1) / warmupSteps`, then the decay
 *   starting from 0.
 */
import { checkBoolean, checkInteger, checkKnownKeys, checkNumber, checkOptions } from './validate.js';
import { typeError } from './errors.js';

export type Kind = 'constant' | 'exponentialDecay' | 'stepDecay' | 'cosineDecay';
const KIND_ID: Record<Kind, number> = { constant: 0, exponentialDecay: 1, stepDecay: 2, cosineDecay: 3 };

export class Schedule {
  /** @internal */
  constructor(
    readonly kind: Kind,
    readonly config: Readonly<Record<string, number | boolean>>,
  ) {}

  /** @internal */
  toNative(): Record<string, unknown> {
    return { kind: KIND_ID[this.kind], ...this.config };
  }

  toJSON(): { kind: Kind; config: Record<string, number | boolean> } {
    return { kind: this.kind, config: { ...this.config } };
  }

  /** The learning rate of the update that follows `step` earlier ones, for a base rate `lr` (a float64 mirror of the native rule). */
  learningRateAt(step: number, lr: number): number {
    const c = this.config as Record<string, number>;
    const warm = c.warmupSteps ?? 0;
    if (step < warm) return (lr * (step + 1)) / warm;
    const s = step - warm;
    switch (this.kind) {
      case 'constant':
        return lr;
      case 'exponentialDecay': {
        const p = this.config.staircase ? Math.floor(s / c.decaySteps!) : s / c.decaySteps!;
        return lr * Math.pow(c.decayRate!, p);
      }
      case 'stepDecay':
        return lr * Math.pow(c.gamma!, Math.floor(s / c.stepSize!));
      case 'cosineDecay': {
        const alpha = c.alpha ?? 0;
        const t = Math.min(s, c.decaySteps!) / c.decaySteps!;
        return lr * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
      }
    }
  }

  /** @internal */
  static fromJSON(j: unknown): Schedule {
    const o = j as { kind: Kind; config: Record<string, unknown> };
    const make = { constant, exponentialDecay, stepDecay, cosineDecay }[o?.kind];
    if (!make) throw typeError('a saved schedule', 'schedule', j);
    return (make as (x: unknown) => Schedule)(o.config);
  }
}

function warmup(o: Record<string, unknown>): Record<string, number> {
  return o.warmupSteps === undefined ? {} : { warmupSteps: checkInteger(o.warmupSteps, 'options.warmupSteps') };
}

/** A constant rate, with an optional linear warmup. */
export function constant(options: { warmupSteps?: number } = {}): Schedule {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['warmupSteps'], 'options');
  return new Schedule('constant', warmup(o));
}

export function exponentialDecay(options: {
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
  warmupSteps?: number;
}): Schedule {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['decaySteps', 'decayRate', 'staircase', 'warmupSteps'], 'options');
  return new Schedule('exponentialDecay', {
    decaySteps: checkInteger(o.decaySteps, 'options.decaySteps', { min: 1 }),
    decayRate: checkNumber(o.decayRate, 'options.decayRate', { min: 0, minExclusive: true }),
    staircase: o.staircase === undefined ? false : checkBoolean(o.staircase, 'options.staircase'),
    ...warmup(o),
  });
}

export function stepDecay(options: { stepSize: number; gamma: number; warmupSteps?: number }): Schedule {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['stepSize', 'gamma', 'warmupSteps'], 'options');
  return new Schedule('stepDecay', {
    stepSize: checkInteger(o.stepSize, 'options.stepSize', { min: 1 }),
    gamma: checkNumber(o.gamma, 'options.gamma', { min: 0, minExclusive: true }),
    ...warmup(o),
  });
}

export function cosineDecay(options: { decaySteps: number; alpha?: number; warmupSteps?: number }): Schedule {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['decaySteps', 'alpha', 'warmupSteps'], 'options');
  return new Schedule('cosineDecay', {
    decaySteps: checkInteger(o.decaySteps, 'options.decaySteps', { min: 1 }),
    alpha: o.alpha === undefined ? 0 : checkNumber(o.alpha, 'options.alpha', { min: 0, max: 1 }),
    ...warmup(o),
  });
}
