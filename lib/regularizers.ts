/**
 * Weight regularizers. `l2(lambda)` adds `lambda * sum(w^2)` to the loss
 * (gradient `2 * lambda * w`); `l1(lambda)` adds `lambda * sum(|w|)` (gradient
 * `lambda * sign(w)`, 0 at 0); `l1l2` both. They apply to the tensor they are
 * given to (a dense layer's `kernelRegularizer` or `biasRegularizer`), their
 * terms are part of the reported loss, and their gradients are folded into
 * the optimizer's fused update.
 */
import { typeError } from './errors.js';
import { checkKnownKeys, checkNumber, checkOptions } from './validate.js';

export class Regularizer {
  constructor(
    readonly l1: number,
    readonly l2: number,
  ) {}
  toJSON(): { l1: number; l2: number } {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** `lambda * sum(|w|)`. */
export function l1(lambda = 0.01): Regularizer {
  return new Regularizer(checkNumber(lambda, 'lambda', { min: 0 }), 0);
}

/** `lambda * sum(w^2)`. */
export function l2(lambda = 0.01): Regularizer {
  return new Regularizer(0, checkNumber(lambda, 'lambda', { min: 0 }));
}

/** `l1 * sum(|w|) + l2 * sum(w^2)`. */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['l1', 'l2'], 'options');
  return new Regularizer(
    o.l1 === undefined ? 0.01 : checkNumber(o.l1, 'options.l1', { min: 0 }),
    o.l2 === undefined ? 0.01 : checkNumber(o.l2, 'options.l2', { min: 0 }),
  );
}

export function checkRegularizer(v: unknown, argument: string): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Regularizer)) {
    throw typeError('a regularizer from nn.regularizers (l1, l2, l1l2)', argument, v);
  }
  return v;
}
