/**
 * Training callbacks. A callback is a plain object with any of the hooks
 * below (each may be async); built-ins are classes made by the factories.
 * `onBatchEnd` makes `fit` return to JavaScript after every batch; without it
 * a whole epoch runs natively in one job.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkString,
} from './validate.js';

export type Logs = Record<string, number>;

/** The part of a model that callbacks use. */
export interface TrainingModel {
  stopTraining: boolean;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  learningRate: number;
  save(path: string): Promise<void>;
}

export interface Callback {
  /** Set by `fit` before `onTrainBegin`. */
  model?: TrainingModel;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export type Mode = 'auto' | 'min' | 'max';
function isMaxMode(mode: Mode, monitor: string): boolean {
  if (mode !== 'auto') return mode === 'max';
  return /acc|auc|precision|recall|f1/i.test(monitor) && !/loss/i.test(monitor);
}

/** Stops training when `monitor` stops improving for `patience` epochs; optionally restores the best weights. */
export class EarlyStopping implements Callback {
  model?: TrainingModel;
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: Mode;
  readonly restoreBestWeights: boolean;
  /** The epoch training stopped at (0 when it did not stop early). */
  stoppedEpoch = 0;
  bestEpoch = -1;
  best = Infinity;
  private wait = 0;
  private bestWeights?: Float32Array[];

  constructor(
    options: {
      monitor?: string;
      patience?: number;
      minDelta?: number;
      mode?: Mode;
      restoreBestWeights?: boolean;
    } = {},
  ) {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights'], 'options');
    this.monitor = o.monitor === undefined ? 'valLoss' : checkString(o.monitor, 'options.monitor');
    this.patience = o.patience === undefined ? 0 : checkInteger(o.patience, 'options.patience');
    this.minDelta = o.minDelta === undefined ? 0 : Math.abs(checkNumber(o.minDelta, 'options.minDelta'));
    this.mode = o.mode === undefined ? 'auto' : checkChoice(o.mode, ['auto', 'min', 'max'] as const, 'options.mode');
    this.restoreBestWeights =
      o.restoreBestWeights === undefined ? false : checkBoolean(o.restoreBestWeights, 'options.restoreBestWeights');
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = -1;
    this.best = Infinity;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    let value = logs[this.monitor];
    if (value === undefined) {
      // Without validation data, fall back from valX to X, as a user expects.
      const fallback = this.monitor.replace(/^val([A-Z])/, (_m, c: string) => c.toLowerCase());
      value = logs[fallback];
      if (value === undefined) return;
    }
    const score = isMaxMode(this.mode, this.monitor) ? -value : value;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeights();
      return;
    }
    this.wait++;
    if (this.wait > this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model) this.model.setWeights(this.bestWeights);
  }
}

/** Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs. */
export class ReduceLROnPlateau implements Callback {
  model?: TrainingModel;
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly minLr: number;
  readonly cooldown: number;
  readonly mode: Mode;
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(
    options: {
      monitor?: string;
      factor?: number;
      patience?: number;
      minDelta?: number;
      minLr?: number;
      cooldown?: number;
      mode?: Mode;
    } = {},
  ) {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['monitor', 'factor', 'patience', 'minDelta', 'minLr', 'cooldown', 'mode'], 'options');
    this.monitor = o.monitor === undefined ? 'valLoss' : checkString(o.monitor, 'options.monitor');
    this.factor =
      o.factor === undefined
        ? 0.1
        : checkNumber(o.factor, 'options.factor', { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    this.patience = o.patience === undefined ? 10 : checkInteger(o.patience, 'options.patience');
    this.minDelta = o.minDelta === undefined ? 1e-4 : Math.abs(checkNumber(o.minDelta, 'options.minDelta'));
    this.minLr = o.minLr === undefined ? 0 : checkNumber(o.minLr, 'options.minLr', { min: 0 });
    this.cooldown = o.cooldown === undefined ? 0 : checkInteger(o.cooldown, 'options.cooldown');
    this.mode = o.mode === undefined ? 'auto' : checkChoice(o.mode, ['auto', 'min', 'max'] as const, 'options.mode');
  }

  onTrainBegin(): void {
    this.best = Infinity;
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    let value = logs[this.monitor];
    if (value === undefined) value = logs[this.monitor.replace(/^val([A-Z])/, (_m, c: string) => c.toLowerCase())];
    if (value === undefined || !this.model) return;
    const score = isMaxMode(this.mode, this.monitor) ? -value : value;
    if (this.cooldownLeft > 0) this.cooldownLeft--;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait > this.patience) {
      const lr = this.model.learningRate;
      const next = Math.max(lr * this.factor, this.minLr);
      if (next < lr) this.model.learningRate = next;
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
    logs.lr = this.model.learningRate;
  }
}

/** Stops training when the loss becomes NaN or infinite (fit then resolves instead of rejecting). */
export class TerminateOnNaN implements Callback {
  model?: TrainingModel;
  readonly terminatesOnNaN = true;
  onBatchEnd(_batch: number, logs: Logs): void {
    if (logs.loss !== undefined && !Number.isFinite(logs.loss) && this.model) this.model.stopTraining = true;
  }
}

/** Saves the model after each epoch, or only when `monitor` improves (`saveBestOnly`). `{epoch}` in the path is replaced. */
export class ModelCheckpoint implements Callback {
  model?: TrainingModel;
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: Mode;
  private best = Infinity;

  constructor(path: string, options: { monitor?: string; saveBestOnly?: boolean; mode?: Mode } = {}) {
    this.path = checkString(path, 'path');
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['monitor', 'saveBestOnly', 'mode'], 'options');
    this.monitor = o.monitor === undefined ? 'valLoss' : checkString(o.monitor, 'options.monitor');
    this.saveBestOnly = o.saveBestOnly === undefined ? false : checkBoolean(o.saveBestOnly, 'options.saveBestOnly');
    this.mode = o.mode === undefined ? 'auto' : checkChoice(o.mode, ['auto', 'min', 'max'] as const, 'options.mode');
  }

  onTrainBegin(): void {
    this.best = Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.model) return;
    if (this.saveBestOnly) {
      let value = logs[this.monitor];
      if (value === undefined) value = logs[this.monitor.replace(/^val([A-Z])/, (_m, c: string) => c.toLowerCase())];
      if (value === undefined) return;
      const score = isMaxMode(this.mode, this.monitor) ? -value : value;
      if (!(score < this.best)) return;
      this.best = score;
    }
    await this.model.save(this.path.replace('{epoch}', String(epoch + 1)));
  }
}

/** Writes one CSV row of logs per epoch (`epoch,loss,...`). */
export class CsvLogger implements Callback {
  readonly path: string;
  readonly append: boolean;
  private columns?: string[];

  constructor(path: string, options: { append?: boolean } = {}) {
    this.path = checkString(path, 'path');
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['append'], 'options');
    this.append = o.append === undefined ? false : checkBoolean(o.append, 'options.append');
  }

  onTrainBegin(): void {
    this.columns = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.columns) {
      this.columns = Object.keys(logs).sort();
      const header = ['epoch', ...this.columns].join(',') + '\n';
      if (this.append) appendFileSync(this.path, header);
      else writeFileSync(this.path, header);
    }
    appendFileSync(this.path, [epoch, ...this.columns.map((c) => logs[c] ?? '')].join(',') + '\n');
  }
}

export const earlyStopping = (options?: ConstructorParameters<typeof EarlyStopping>[0]) => new EarlyStopping(options);
export const reduceLROnPlateau = (options?: ConstructorParameters<typeof ReduceLROnPlateau>[0]) =>
  new ReduceLROnPlateau(options);
export const terminateOnNaN = () => new TerminateOnNaN();
export const modelCheckpoint = (path: string, options?: ConstructorParameters<typeof ModelCheckpoint>[1]) =>
  new ModelCheckpoint(path, options);
export const csvLogger = (path: string, options?: ConstructorParameters<typeof CsvLogger>[1]) =>
  new CsvLogger(path, options);
