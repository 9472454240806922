/**
 * Optimizers (formulas: API.md; they are PyTorch's and Keras's), with optional
 * gradient clipping and a learning-rate schedule. The update of every weight
 * runs natively as one fused pass per tensor; these objects only describe it.
 *
 * Common options: `clipNorm` (each tensor's gradient rescaled to at most this
 * L2 norm, Keras `clipnorm`), `globalClipNorm` (the norm over all tensors),
 * `clipValue` (each element clamped), `schedule` (from `nn.schedules`).
 * Regularizer gradients are added before clipping.
 */
import { checkBoolean, checkKnownKeys, checkNumber, checkOptions } from './validate.js';
import { Schedule } from './schedules.js';
import { expectedMessage, typeError } from './errors.js';

export type OptimizerName = 'gd' | 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
const KIND_ID: Record<OptimizerName, number> = { gd: 0, sgd: 0, adam: 1, adamw: 2, rmsprop: 3, adagrad: 4 };

export interface CommonOptions {
  learningRate?: number;
  clipNorm?: number;
  globalClipNorm?: number;
  clipValue?: number;
  schedule?: Schedule;
}

export class Optimizer {
  /** @internal */
  constructor(
    readonly name: OptimizerName,
    readonly config: Readonly<Record<string, number | boolean>>,
    readonly schedule?: Schedule,
  ) {}

  /** The plain description the native core reads. @internal */
  toNative(): Record<string, unknown> {
    return { kind: KIND_ID[this.name], ...this.config, schedule: this.schedule?.toNative() };
  }

  /** A JSON description (saved with models). */
  toJSON(): { name: OptimizerName; config: Record<string, number | boolean>; schedule?: unknown } {
    return { name: this.name, config: { ...this.config }, schedule: this.schedule?.toJSON() };
  }

  /** Full-batch gradient descent: `fit` uses the whole training set as one batch unless `batchSize` is given. */
  get fullBatch(): boolean {
    return this.name === 'gd';
  }
}

const COMMON = ['learningRate', 'clipNorm', 'globalClipNorm', 'clipValue', 'schedule'] as const;

function build(
  name: OptimizerName,
  options: unknown,
  defaults: Record<string, number | boolean>,
  extra: Record<string, 'unit' | 'nonneg' | 'bool'>,
): Optimizer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, [...COMMON, ...Object.keys(extra)], 'options');
  const config: Record<string, number | boolean> = {};
  config.learningRate =
    o.learningRate === undefined
      ? (defaults.learningRate as number)
      : checkNumber(o.learningRate, 'options.learningRate', { min: 0 });
  for (const key of ['clipNorm', 'globalClipNorm', 'clipValue'] as const)
    if (o[key] !== undefined) config[key] = checkNumber(o[key], `options.${key}`, { min: 0, minExclusive: true });
  if (config.clipNorm !== undefined && config.globalClipNorm !== undefined)
    throw new RangeError(
      expectedMessage(
        'only one of clipNorm and globalClipNorm',
        'options',
        `both (clipNorm ${config.clipNorm}, globalClipNorm ${config.globalClipNorm})`,
      ),
    );
  for (const [key, kind] of Object.entries(extra)) {
    const v = o[key] ?? defaults[key];
    if (v === undefined) continue;
    if (kind === 'bool') config[key] = checkBoolean(v, `options.${key}`);
    else if (kind === 'unit') config[key] = checkNumber(v, `options.${key}`, { min: 0, max: 1, maxExclusive: true });
    else config[key] = checkNumber(v, `options.${key}`, { min: 0 });
  }
  let schedule: Schedule | undefined;
  if (o.schedule !== undefined) {
    if (!(o.schedule instanceof Schedule))
      throw typeError('a schedule from nn.schedules', 'options.schedule', o.schedule);
    schedule = o.schedule;
  }
  return new Optimizer(name, config, schedule);
}

/** Full-batch gradient descent: `w -= lr * g` with the gradient of the whole training set. */
export function gd(options: CommonOptions = {}): Optimizer {
  return build('gd', options, { learningRate: 0.01 }, {});
}

/** Stochastic gradient descent: `v = momentum * v + g; w -= lr * v` (nesterov: `w -= lr * (g + momentum * v)`). */
export function sgd(options: CommonOptions & { momentum?: number; nesterov?: boolean } = {}): Optimizer {
  return build(
    'sgd',
    options,
    { learningRate: 0.01, momentum: 0, nesterov: false },
    { momentum: 'nonneg', nesterov: 'bool' },
  );
}

export type AdamOptions = CommonOptions & { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean };
const ADAM_DEFAULTS = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false };
const ADAM_KEYS = { beta1: 'unit', beta2: 'unit', epsilon: 'nonneg', amsgrad: 'bool' } as const;

/** Adam with bias correction (and the `amsgrad` variant). Defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export function adam(options: AdamOptions = {}): Optimizer {
  return build('adam', options, ADAM_DEFAULTS, ADAM_KEYS);
}

/** AdamW: decoupled weight decay `w -= lr * weightDecay * w` on every parameter, then the Adam step. */
export function adamw(options: AdamOptions & { weightDecay?: number } = {}): Optimizer {
  return build('adamw', options, { ...ADAM_DEFAULTS, weightDecay: 0.004 }, { ...ADAM_KEYS, weightDecay: 'nonneg' });
}

/** RMSprop: `v = rho*v + (1-rho)*g^2; w -= lr * g / (sqrt(v) + eps)`. Defaults: lr 0.001, rho 0.9, eps 1e-7. */
export function rmsprop(options: CommonOptions & { rho?: number; epsilon?: number } = {}): Optimizer {
  return build(
    'rmsprop',
    options,
    { learningRate: 0.001, rho: 0.9, epsilon: 1e-7 },
    { rho: 'unit', epsilon: 'nonneg' },
  );
}

/** Adagrad: `s += g^2; w -= lr * g / (sqrt(s) + eps)`, `s` starting at `initialAccumulatorValue` (0.1). */
export function adagrad(
  options: CommonOptions & { initialAccumulatorValue?: number; epsilon?: number } = {},
): Optimizer {
  return build(
    'adagrad',
    options,
    { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
    { initialAccumulatorValue: 'nonneg', epsilon: 'nonneg' },
  );
}

export const OPTIMIZERS: Record<OptimizerName, (o?: never) => Optimizer> = { gd, sgd, adam, adamw, rmsprop, adagrad };

/** An optimizer object, or a name with default options. */
export function resolveOptimizer(v: unknown, argument: string): Optimizer {
  if (v instanceof Optimizer) return v;
  if (typeof v === 'string' && v in OPTIMIZERS) return OPTIMIZERS[v as OptimizerName]();
  throw typeError(
    `an optimizer from nn.optimizers or one of ${Object.keys(OPTIMIZERS)
      .map((k) => JSON.stringify(k))
      .join(', ')}`,
    argument,
    v,
  );
}

/** Rebuilds an optimizer from its JSON description. @internal */
export function optimizerFromJSON(j: {
  name: OptimizerName;
  config: Record<string, unknown>;
  schedule?: unknown;
}): Optimizer {
  const { schedule, ...rest } = j.config as Record<string, unknown> & { schedule?: unknown };
  void schedule;
  const opt = OPTIMIZERS[j.name];
  if (!opt) throw typeError('a known optimizer name', 'optimizer.name', j.name);
  const s = j.schedule === undefined ? undefined : Schedule.fromJSON(j.schedule);
  return (opt as (o: unknown) => Optimizer)({ ...rest, ...(s ? { schedule: s } : {}) });
}
