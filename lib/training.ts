/**
 * The training loop of Sequential.fit: options, data copied into native memory, epochs of native batches,
 * callbacks, validation and progress. The model is reached through a small interface (FitTarget).
 */
import { type Callback, type Logs, TerminateOnNaN } from './callbacks.js';
import { describe, expectedMessage, rangeError, typeError } from './errors.js';
import type { LossName, MetricName } from './names.js';
import { native } from './native.js';
import type { NativeDataset } from './native-types.js';
import type { Optimizer } from './optimizers.js';
import { ProgressPrinter } from './progress.js';
import type { Tensor } from './tensor.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  isPlainObject,
} from './validate.js';
import { type FitOptions, type History, TrainingDivergedError } from './model.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeModel = any;

/** What the training loop needs of a model. */
export interface FitTarget {
  training: boolean;
  stopFlag: boolean;
  readonly built: boolean;
  readonly outputDim: number;
  native(): NativeModel;
  setSeed(seed: number): void;
  requireCompiled(what: string): { optimizer: Optimizer; loss: LossName; metrics: MetricName[] };
  prepareX(x: unknown, argument: string): Tensor;
  prepareY(y: unknown, n: number, argument: string): Tensor;
  logsFrom(loss: number, metrics: number[], prefix?: string): Logs;
  /** Resolves when no async job of the model is running (see Sequential.idle). */
  waitIdle(): Promise<void>;
  handle(): NonNullable<Callback['model']>;
}

function checkVerbose(v: unknown): 0 | 1 | 2 {
  if (typeof v !== 'number') throw typeError('0, 1 or 2', 'verbose', v);
  if (v !== 0 && v !== 1 && v !== 2) throw rangeError('0, 1 or 2', 'verbose', v);
  return v;
}

export async function fitModel(m: FitTarget, x: unknown, y: unknown, options: FitOptions = {}): Promise<History> {
  const o = checkOptions(options, 'options');
  checkKnownKeys(
    o,
    [
      'epochs',
      'batchSize',
      'shuffle',
      'seed',
      'verbose',
      'validationSplit',
      'validationData',
      'initialEpoch',
      'classWeight',
      'callbacks',
      'checkFinite',
    ],
    'fit options',
  );
  if (m.training) throw new Error('This model is already training: concurrent fit calls on one model are not allowed');
  const c = m.requireCompiled('fit');
  const epochs = o.epochs === undefined ? 1 : checkInteger(o.epochs, 'epochs', { min: 0, max: 1e9 });
  const initialEpoch =
    o.initialEpoch === undefined ? 0 : checkInteger(o.initialEpoch, 'initialEpoch', { min: 0, max: 1e9 });
  const shuffle = o.shuffle === undefined ? true : checkBoolean(o.shuffle, 'shuffle');
  const verbose = o.verbose === undefined ? 1 : checkVerbose(o.verbose);
  const checkFinite = o.checkFinite === undefined ? true : checkBoolean(o.checkFinite, 'checkFinite');
  const seed = o.seed === undefined ? undefined : checkInteger(o.seed, 'seed', { max: 2 ** 32 - 1 });
  const callbacks: Callback[] = o.callbacks === undefined ? [] : (o.callbacks as Callback[]);
  if (!Array.isArray(callbacks)) throw typeError('an array of callbacks', 'callbacks', o.callbacks);
  callbacks.forEach((cb, i) => {
    if (!isPlainObject(cb) && (typeof cb !== 'object' || cb === null))
      throw typeError('a callback object', `callbacks[${i}]`, cb);
    for (const hook of ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchEnd'] as const)
      if ((cb as Callback)[hook] !== undefined) checkFunction((cb as Callback)[hook], `callbacks[${i}].${hook}`);
  });

  if (seed !== undefined) m.setSeed(seed);
  let tx = m.prepareX(x, 'x');
  let ty = m.prepareY(y, tx.shape[0]!, 'y');
  let vx: Tensor | undefined;
  let vy: Tensor | undefined;
  if (o.validationData !== undefined) {
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2)
      throw typeError('an array [xVal, yVal]', 'validationData', o.validationData);
    vx = m.prepareX(o.validationData[0], 'validationData[0]');
    vy = m.prepareY(o.validationData[1], vx.shape[0]!, 'validationData[1]');
  } else if (o.validationSplit !== undefined) {
    const split = checkNumber(o.validationSplit, 'validationSplit', { min: 0, max: 1, maxExclusive: true });
    const n = tx.shape[0]!;
    const nVal = Math.floor(n * split);
    if (nVal > 0) {
      if (nVal >= n) throw rangeError('a split that leaves training samples', 'validationSplit', split);
      vx = tx.slice(n - nVal, n);
      vy = ty.slice(n - nVal, n);
      tx = tx.slice(0, n - nVal);
      ty = ty.slice(0, n - nVal);
    }
  }
  const n = tx.shape[0]!;
  const batchSize =
    o.batchSize === undefined
      ? c.optimizer.fullBatch
        ? n
        : Math.min(32, n)
      : checkInteger(o.batchSize, 'batchSize', { min: 1, max: 2 ** 31 - 1 });
  const weights = sampleWeights(m.outputDim, ty, o.classWeight as Record<number, number> | undefined);

  const model = m.native();
  if (m.training) throw new Error('This model is already training: concurrent fit calls on one model are not allowed');
  m.training = true;
  let train: NativeDataset;
  let val: NativeDataset | undefined;
  try {
    // Validation rows split off x are named as rows of x.
    const split = o.validationData === undefined;
    const valNames: [string, string] = split ? ['x', 'y'] : ['validationData[0]', 'validationData[1]'];
    const copies = await datasetsAsync(
      [
        { x: tx, y: ty, weights, names: ['x', 'y'] },
        ...(vx && vy ? [{ x: vx, y: vy, names: valNames, firstRow: split ? tx.shape[0]! : 0 }] : []),
      ],
      checkFinite,
    );
    train = copies[0]!;
    val = copies[1];
  } catch (e) {
    m.training = false;
    throw e;
  }
  const history: History = { epoch: [], history: {} };
  const printer = new ProgressPrinter(verbose, epochs);
  const handle = m.handle();
  for (const cb of callbacks) cb.model = handle;
  const batchHooks = callbacks.filter((cb) => typeof cb.onBatchEnd === 'function');
  const nanStops = callbacks.some((cb) => cb instanceof TerminateOnNaN);

  m.stopFlag = false;
  try {
    for (const cb of callbacks) {
      await m.waitIdle();
      await cb.onTrainBegin?.({});
    }
    for (let epoch = initialEpoch; epoch < epochs && !m.stopFlag; epoch++) {
      for (const cb of callbacks) {
        await m.waitIdle();
        await cb.onEpochBegin?.(epoch, {});
      }
      printer.epochBegin(epoch);
      await m.waitIdle();
      const batches: number = model.beginEpoch(train, batchSize, shuffle);
      let outcome: { diverged: boolean; failedBatch: number; failedLoss: number; stopped: boolean };
      if (batchHooks.length === 0) {
        outcome = await model.runBatches(train, 0, batches, (b: number, loss: number) =>
          printer.batch(b, batches, loss),
        );
      } else {
        outcome = { diverged: false, failedBatch: 0, failedLoss: 0, stopped: false };
        for (let b = 0; b < batches && !m.stopFlag; b++) {
          const r = await model.runBatches(train, b, b + 1, null);
          if (r.diverged) {
            outcome = r;
            break;
          }
          await m.waitIdle();
          const s = model.epochSummary();
          printer.batch(b, batches, s.loss);
          for (const cb of batchHooks) {
            await m.waitIdle();
            await cb.onBatchEnd!(b, { batch: b, size: Math.min(batchSize, n - b * batchSize), loss: s.loss });
          }
        }
      }
      if (outcome.diverged) {
        const logs = { loss: outcome.failedLoss };
        for (const cb of batchHooks) {
          await m.waitIdle();
          await cb.onBatchEnd!(outcome.failedBatch, logs);
        }
        if (nanStops) break;
        throw new TrainingDivergedError(
          `Training diverged at epoch ${epoch + 1}, batch ${outcome.failedBatch + 1}: the loss or its gradient is ${
            Number.isNaN(outcome.failedLoss)
              ? 'NaN'
              : Number.isFinite(outcome.failedLoss)
                ? 'not finite'
                : describe(outcome.failedLoss)
          }. The weights are the last finite ones, from before that batch. Try a lower learning rate, scaling the inputs, or gradient clipping (clipNorm).`,
          epoch,
          outcome.failedBatch,
          history,
        );
      }
      await m.waitIdle();
      const s = model.epochSummary();
      const logs = m.logsFrom(s.loss, s.metrics);
      if (val) {
        const v = await model.evaluateAsync(val, Math.max(batchSize, 256));
        Object.assign(logs, m.logsFrom(v.loss, v.metrics, 'val'));
      }
      printer.epochEnd(epoch, logs);
      for (const cb of callbacks) {
        await m.waitIdle();
        await cb.onEpochEnd?.(epoch, logs);
      }
      // Recorded after the callbacks, which may add entries (reduceLROnPlateau adds lr), as Keras's History does.
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    }
    for (const cb of callbacks) {
      await m.waitIdle();
      await cb.onTrainEnd?.({});
    }
  } finally {
    m.training = false;
  }
  return history;
}

/**
 * Copies the training (and validation) samples into native memory. Up to
 * about 4 MB in all, everything is copied before fit returns its promise,
 * so the caller may change or drop its arrays right away. Larger data go in
 * pieces of about 4 MB with the event loop served in between (a 60,000 x
 * 784 training set never blocks it for long): such arrays must not be
 * changed until training starts (onTrainBegin); one detached meanwhile is a
 * clean TypeError. The finite check runs natively on each piece.
 */
async function datasetsAsync(
  sets: { x: Tensor; y: Tensor; weights?: Float32Array; names: [string, string]; firstRow?: number }[],
  checkFinite: boolean,
): Promise<NativeDataset[]> {
  const pieces: {
    ds: NativeDataset;
    part: 0 | 1 | 2;
    data: Float32Array;
    length: number;
    cols: number;
    name: string;
    firstRow: number;
  }[] = [];
  const datasets = sets.map(({ x, y, weights, names, firstRow = 0 }) => {
    const n = x.shape[0]!;
    const xCols = x.shape[1]!;
    const yCols = y.rank === 1 ? 1 : y.shape[1]!;
    const ds = new native.Dataset(n, xCols, yCols, weights !== undefined);
    pieces.push({ ds, part: 0, data: x.data, length: x.data.length, cols: xCols, name: names[0], firstRow });
    pieces.push({ ds, part: 1, data: y.data, length: y.data.length, cols: yCols, name: names[1], firstRow });
    if (weights)
      pieces.push({ ds, part: 2, data: weights, length: weights.length, cols: 1, name: 'sample weights', firstRow });
    return ds;
  });
  const budget = 1 << 20;
  let sinceYield = 0;
  for (const { ds, part, data, length, cols, name, firstRow } of pieces) {
    const n = cols === 0 ? 0 : length / cols;
    const rowsPerChunk = Math.max(1, Math.floor(budget / Math.max(cols, 1)));
    for (let row = 0; row < n; row += rowsPerChunk) {
      if (sinceYield >= budget) {
        await new Promise((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
      if (data.length !== length)
        throw new TypeError(
          expectedMessage(
            'an array that stays attached until fit has copied it',
            name,
            'an array whose ArrayBuffer was detached (transferred) during the copy',
          ),
        );
      const end = Math.min(n, row + rowsPerChunk);
      const bad = ds.write(part, row, data.subarray(row * cols, end * cols), checkFinite && part !== 2);
      sinceYield += (end - row) * cols;
      if (bad >= 0)
        throw rangeError(
          'finite numbers (set checkFinite: false to skip this check)',
          `${name} (row ${firstRow + row + Math.floor(bad / cols)}, column ${bad % cols})`,
          data[row * cols + bad],
        );
    }
  }
  return datasets;
}

function sampleWeights(
  outputs: number,
  y: Tensor,
  classWeight: Record<number, number> | undefined,
): Float32Array | undefined {
  if (classWeight === undefined) return undefined;
  if (!isPlainObject(classWeight))
    throw typeError('an object mapping class ids to weights', 'classWeight', classWeight);
  const out = outputs;
  const table = new Float64Array(Math.max(out, 2)).fill(1);
  for (const [k, v] of Object.entries(classWeight)) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0 || id >= table.length)
      throw new RangeError(
        expectedMessage(
          `keys that are class ids from 0 to ${table.length - 1}`,
          'classWeight',
          `the key ${JSON.stringify(k)}`,
        ),
      );
    table[id] = checkNumber(v, `classWeight[${k}]`, { min: 0 });
  }
  const n = y.shape[0]!;
  const w = new Float32Array(n);
  const cols = y.rank === 1 ? 1 : y.shape[1]!;
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (y.rank === 1) cls = y.data[i]!;
    else if (cols === 1) cls = y.data[i]! > 0.5 ? 1 : 0;
    else {
      cls = 0;
      for (let j = 1; j < cols; j++) if (y.data[i * cols + j]! > y.data[i * cols + cls]!) cls = j;
    }
    w[i] = table[cls]!;
  }
  return w;
}
