/**
 * k-fold cross-validation of a model factory: a fresh model per fold, trained on the other folds and
 * evaluated on the held-out one; optionally with per-fold standardization and on worker threads.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logs } from './callbacks.js';
import { expectedMessage, rangeError, typeError } from './errors.js';
import { kFold, stratifiedKFold, type Fold } from './data/folds.js';
import { gatherUnchecked } from './data/rows.js';
import { StandardScaler } from './data/scalers.js';
import type { FitOptions, History, Sequential } from './model.js';
import { Tensor, toTensor } from './tensor.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOptions,
  checkString,
  isPlainObject,
} from './validate.js';

/**
 * Makes the model for one fold: a new, compiled `Sequential` every call (it may be async).
 * `fold` is the fold number (0-based); `options` is the `options` of a {@link ModelFactoryReference}.
 */
export type ModelFactory = (fold: number, options?: unknown) => Sequential | Promise<Sequential>;

/**
 * A factory named by module and export, for `parallel: true` (functions cannot be sent to worker
 * threads, so each worker imports the module itself).
 */
export interface ModelFactoryReference {
  /** A file path (relative paths are resolved against the current directory), a `file:` URL, or a package specifier. */
  module: string | URL;
  /** The exported factory function (default `'default'`). It is called as `factory(fold, options)`. */
  exportName?: string;
  /** A value passed to the factory as its second argument (it must survive structured cloning). */
  options?: unknown;
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions {
  /** Number of folds (default 5; an integer from 2 to the number of samples). */
  folds?: number;
  /** Options for each fold's `model.fit` (default `verbose: 0`; `seed` defaults to the `seed` below). */
  fit?: FitOptions;
  /** Keep the class proportions in every fold (default: true when the model's loss is a classification loss). */
  stratify?: boolean;
  /** Shuffle the samples before assigning them to folds (default true). */
  shuffle?: boolean;
  /** Seed for the fold assignment and (unless `fit.seed` is given) for each model's initialization and shuffling. */
  seed?: number;
  /** Standardize the features with a `StandardScaler` fitted on each fold's training part only (default false). */
  standardize?: boolean;
  /**
   * Run folds on worker threads (default false): `true` uses up to one worker per CPU, a number sets how
   * many. Needs `buildModel` as a {@link ModelFactoryReference}, and `fit` without callbacks.
   */
  parallel?: boolean | number;
  /** 1 prints one line per finished fold; 0 (default) prints nothing. */
  verbose?: 0 | 1;
  /** Called as each fold finishes (in the order they finish when parallel). */
  onFoldEnd?: (result: CrossValidateFold) => void | Promise<void>;
}

/** The outcome of one fold. */
export interface CrossValidateFold {
  /** The fold number, from 0. */
  fold: number;
  /** `model.evaluate` on the held-out fold: `{ loss, ...metrics }`. */
  metrics: Logs;
  /** The fold's training history. */
  history: History;
  /** Samples trained on and held out. */
  trainSize: number;
  testSize: number;
  /** Wall time of the fold in seconds. */
  seconds: number;
}

/** The result of {@link crossValidate}. */
export interface CrossValidateResult {
  /** Per-fold results, in fold order. */
  folds: CrossValidateFold[];
  /** Mean of each held-out metric over the folds. */
  mean: Logs;
  /** Population standard deviation (ddof 0, as NumPy's `std`) of each held-out metric over the folds. */
  std: Logs;
}

const CLASSIFICATION_LOSSES = ['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'];

/** @internal What a worker needs to run one fold. */
export interface WorkerJob {
  fold: number;
  train: Int32Array;
  test: Int32Array;
  fit: FitOptions;
}

/** @internal The data shared with every worker. */
export interface WorkerSetup {
  module: string;
  exportName: string;
  options: unknown;
  standardize: boolean;
  x: { data: Float32Array; shape: number[] };
  y: { data: Float32Array; shape: number[] };
}

/** @internal A worker's answer. */
export type WorkerMessage =
  | { type: 'result'; result: CrossValidateFold }
  | { type: 'error'; fold: number; name: string; message: string; stack?: string };

function isSequentialLike(m: unknown): m is Sequential {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as Sequential).fit === 'function' &&
    typeof (m as Sequential).evaluateAsync === 'function'
  );
}

/** @internal Checks what a factory returned. */
export function checkFactoryModel(model: unknown, fold: number): Sequential {
  if (!isSequentialLike(model)) throw typeError('a Sequential model from buildModel', `buildModel(${fold})`, model);
  if (!model.compileConfig)
    throw new Error(
      `buildModel(${fold}) returned a model that is not compiled: call model.compile({ optimizer, loss, metrics }) in the factory`,
    );
  return model;
}

/** @internal Trains and evaluates one fold (used by the main thread and by workers). */
export async function runFold(
  model: Sequential,
  x: Tensor,
  y: Tensor,
  fold: number,
  train: Int32Array,
  test: Int32Array,
  fit: FitOptions,
  standardize: boolean,
): Promise<CrossValidateFold> {
  const start = performance.now();
  let xTrain = gatherUnchecked(x, train);
  let xTest = gatherUnchecked(x, test);
  if (standardize) {
    // Every value of a sample is a feature of its own (a pixel of an image), scaled on the training rows.
    const flat = (t: Tensor) => (t.rank === 2 ? t : t.reshape([t.shape[0]!, t.size / t.shape[0]!]));
    const scaler = new StandardScaler();
    xTrain = scaler.fitTransform(flat(xTrain)).reshape(xTrain.shape);
    xTest = scaler.transform(flat(xTest)).reshape(xTest.shape);
  }
  const yTrain = gatherUnchecked(y, train);
  const yTest = gatherUnchecked(y, test);
  const history = await model.fit(xTrain, yTrain, fit);
  const metrics = await model.evaluateAsync(xTest, yTest);
  return {
    fold,
    metrics,
    history,
    trainSize: train.length,
    testSize: test.length,
    seconds: (performance.now() - start) / 1000,
  };
}

/** Mean and population standard deviation of every metric present in all folds. */
export function summarizeFolds(folds: readonly { metrics: Logs }[]): { mean: Logs; std: Logs } {
  const mean: Logs = {};
  const std: Logs = {};
  if (folds.length === 0) return { mean, std };
  const keys = Object.keys(folds[0]!.metrics).filter((k) => folds.every((f) => typeof f.metrics[k] === 'number'));
  for (const k of keys) {
    const values = folds.map((f) => f.metrics[k]!);
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean[k] = m;
    std[k] = Math.sqrt(values.reduce((a, v) => a + (v - m) * (v - m), 0) / values.length);
  }
  return { mean, std };
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');
}

/** Resolves a factory reference's module to something `import()` takes from any file. */
function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data|node):/.test(module)) return module;
  if (isAbsolute(module) || module.startsWith('.')) return pathToFileURL(resolve(module)).href;
  return module;
}

/** @internal Imports the factory function a reference names. */
export async function importFactory(module: string, exportName: string): Promise<ModelFactory> {
  let ns: Record<string, unknown>;
  try {
    ns = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Cannot import the model factory module ${JSON.stringify(module)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const fn = ns[exportName];
  if (typeof fn !== 'function')
    throw new TypeError(
      expectedMessage(
        `a function exported as ${JSON.stringify(exportName)}`,
        `the module ${JSON.stringify(module)}`,
        fn === undefined ? 'no such export' : `an export that is not a function`,
      ),
    );
  return fn as ModelFactory;
}

/**
 * Estimates how well a model generalizes with k-fold cross-validation: for each fold a fresh model
 * from `buildModel` is trained on the other folds and evaluated on the held-out one.
 *
 * @param buildModel - a function returning a new compiled `Sequential` (called once per fold, with
 *   the fold number), or, for `parallel: true`, a {@link ModelFactoryReference} `{ module, exportName }`
 * @param x - features `[samples, features]`
 * @param y - targets with one row per sample (class ids, one-hot rows or regression targets)
 * @param options - `folds` (5), `fit`, `stratify` (auto), `shuffle` (true), `seed`, `standardize` (false),
 *   `parallel` (false), `verbose` (0), `onFoldEnd`
 * @returns `{ folds: [{ fold, metrics, history, ... }], mean, std }`
 * @example
 * ```ts
 * const { x, y } = nn.datasets.iris();
 * const build = () => {
 *   const m = nn.sequential([nn.layers.dense({ units: 16, activation: 'relu' }), nn.layers.dense({ units: 3, activation: 'softmax' })]);
 *   m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 *   return m;
 * };
 * const cv = await nn.data.crossValidate(build, x, y, { folds: 5, standardize: true, seed: 1, fit: { epochs: 50 } });
 * console.log(cv.mean.accuracy, cv.std.accuracy);
 * ```
 */
export async function crossValidate(
  buildModel: ModelFactory | ModelFactoryReference,
  x: unknown,
  y: unknown,
  options: CrossValidateOptions = {},
): Promise<CrossValidateResult> {
  const o = checkOptions(options, 'options');
  checkKnownKeys(
    o,
    ['folds', 'fit', 'stratify', 'shuffle', 'seed', 'standardize', 'parallel', 'verbose', 'onFoldEnd'],
    'crossValidate options',
  );
  let xs = toTensor(x, 'x');
  if (xs.rank === 1) xs = xs.reshape([xs.size, 1]);
  if (xs.rank < 2)
    throw new RangeError(
      expectedMessage(
        'a tensor [samples, ...sampleShape] such as [n, features] or [n, h, w, c]',
        'x',
        `a tensor of shape [${xs.shape.join(', ')}]`,
      ),
    );
  const ys = toTensor(y, 'y');
  const n = xs.shape[0]!;
  if (ys.rank === 0 || ys.shape[0] !== n)
    throw new RangeError(
      expectedMessage(`${n} rows (one per sample of x)`, 'y', `a tensor of shape [${ys.shape.join(', ')}]`),
    );
  if (n < 2) throw rangeError('at least 2 samples', 'x', `a tensor of shape [${xs.shape.join(', ')}]`);
  const k = o.folds === undefined ? Math.min(5, n) : checkInteger(o.folds, 'options.folds', { min: 2, max: n });
  const shuffle = o.shuffle === undefined ? true : checkBoolean(o.shuffle, 'options.shuffle');
  const seed = o.seed === undefined ? undefined : checkInteger(o.seed, 'options.seed', { min: 0, max: 2 ** 32 - 1 });
  const standardize = o.standardize === undefined ? false : checkBoolean(o.standardize, 'options.standardize');
  const verbose = o.verbose === undefined ? 0 : o.verbose;
  if (verbose !== 0 && verbose !== 1) throw rangeError('0 or 1', 'options.verbose', verbose);
  const onFoldEnd =
    o.onFoldEnd === undefined
      ? undefined
      : (checkFunction(o.onFoldEnd, 'options.onFoldEnd') as CrossValidateOptions['onFoldEnd']);
  let workers = 0;
  if (o.parallel !== undefined && o.parallel !== false) {
    if (o.parallel === true) workers = Math.max(1, Math.min(k, availableParallelism()));
    else if (typeof o.parallel === 'number')
      workers = Math.min(k, checkInteger(o.parallel, 'options.parallel', { min: 1, max: 256 }));
    else throw typeError('a boolean or a number of worker threads', 'options.parallel', o.parallel);
  }
  const fitUser = o.fit === undefined ? {} : (checkOptions(o.fit, 'options.fit') as FitOptions);
  const fit: FitOptions = { verbose: 0, ...fitUser };
  if (fit.seed === undefined && seed !== undefined) fit.seed = seed;

  // The factory: a function, or a module reference (always for worker threads).
  let factory: ModelFactory;
  let reference: { module: string; exportName: string; options: unknown } | undefined;
  if (typeof buildModel === 'function') {
    if (workers > 0)
      throw new TypeError(
        expectedMessage(
          'a factory reference { module, exportName } when options.parallel is set (functions cannot be sent to worker threads)',
          'buildModel',
          'a function',
        ),
      );
    factory = buildModel;
  } else if (isPlainObject(buildModel)) {
    checkKnownKeys(buildModel, ['module', 'exportName', 'options'], 'buildModel');
    const mod = buildModel.module;
    if (!(mod instanceof URL) && (typeof mod !== 'string' || mod === ''))
      throw typeError('a module path or URL', 'buildModel.module', mod);
    const exportName =
      buildModel.exportName === undefined ? 'default' : checkString(buildModel.exportName, 'buildModel.exportName');
    reference = { module: moduleSpecifier(mod), exportName, options: buildModel.options };
    const imported = await importFactory(reference.module, exportName);
    const refOptions = reference.options;
    factory = (fold) => imported(fold, refOptions);
  } else {
    throw typeError('a function returning a compiled model, or { module, exportName }', 'buildModel', buildModel);
  }
  if (workers > 0 && Array.isArray(fit.callbacks) && fit.callbacks.length > 0)
    throw new TypeError(
      expectedMessage(
        'no callbacks when options.parallel is set (callbacks cannot be sent to worker threads)',
        'options.fit.callbacks',
        `an array of ${fit.callbacks.length} callback${fit.callbacks.length === 1 ? '' : 's'}`,
      ),
    );

  // The first model tells whether this is classification (for the default of `stratify`).
  const first = checkFactoryModel(await factory(0), 0);
  const loss = first.compileConfig!.loss;
  const stratify =
    o.stratify === undefined ? CLASSIFICATION_LOSSES.includes(loss) : checkBoolean(o.stratify, 'options.stratify');
  const foldOptions = { shuffle, seed };
  let splits: Fold[];
  try {
    splits = stratify ? stratifiedKFold(ys, k, foldOptions) : kFold(n, k, foldOptions);
  } catch (err) {
    if (o.stratify === undefined && stratify && err instanceof RangeError)
      throw new RangeError(
        `${err.message} (stratified folds, chosen for the loss "${loss}"; pass stratify: false to split without labels)`,
        { cause: err },
      );
    throw err;
  }

  const results: CrossValidateFold[] = new Array(k);
  const finish = async (r: CrossValidateFold) => {
    results[r.fold] = r;
    if (verbose === 1) console.log(`Fold ${r.fold + 1}/${k} - ${r.seconds.toFixed(1)}s - ${formatLogs(r.metrics)}`);
    await onFoldEnd?.(r);
  };

  if (workers === 0) {
    for (let f = 0; f < k; f++) {
      const model = f === 0 ? first : checkFactoryModel(await factory(f), f);
      const { train, test } = splits[f]!;
      await finish(await runFold(model, xs, ys, f, train, test, fit, standardize));
    }
  } else {
    const setup: WorkerSetup = {
      module: reference!.module,
      exportName: reference!.exportName,
      options: reference!.options,
      standardize,
      x: { data: shared(xs.data), shape: [...xs.shape] },
      y: { data: shared(ys.data), shape: [...ys.shape] },
    };
    const jobs: WorkerJob[] = splits.map((s, f) => ({ fold: f, train: s.train, test: s.test, fit: plainFit(fit) }));
    await runFoldsInWorkers(setup, jobs, workers, finish);
  }
  const { mean, std } = summarizeFolds(results);
  return { folds: results, mean, std };
}

/** Fit options for a worker: validation tensors as plain data, no callbacks. */
function plainFit(fit: FitOptions): FitOptions {
  const out: FitOptions = { ...fit };
  delete out.callbacks;
  if (fit.validationData) {
    const [vx, vy] = fit.validationData;
    const tx = toTensor(vx, 'options.fit.validationData[0]');
    const ty = toTensor(vy, 'options.fit.validationData[1]');
    out.validationData = [
      { data: tx.data, shape: [...tx.shape] },
      { data: ty.data, shape: [...ty.shape] },
    ];
  }
  return out;
}

/** A copy of `data` in shared memory, so that every worker reads the same bytes without copying. */
function shared(data: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(data.byteLength));
  out.set(data);
  return out;
}

/** Runs the jobs on up to `count` worker threads; rejects with the first fold's error (and stops the others). */
async function runFoldsInWorkers(
  setup: WorkerSetup,
  jobs: WorkerJob[],
  count: number,
  finish: (r: CrossValidateFold) => Promise<void>,
): Promise<void> {
  const queue = [...jobs];
  const pool: Worker[] = [];
  const url = new URL('./cross-validate-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url)))
    throw new Error(
      `Parallel cross-validation runs the compiled library's worker ${fileURLToPath(url)}, which does not exist: ` +
        'import simdnn from its compiled form (dist/), or leave options.parallel unset',
    );
  try {
    await new Promise<void>((resolvePromise, reject) => {
      let running = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const done = new Set<Worker>();
      const next = (worker: Worker) => {
        const job = queue.shift();
        if (job) {
          worker.postMessage(job);
          return;
        }
        done.add(worker);
        void worker.terminate();
        if (--running === 0 && !failed) resolvePromise();
      };
      for (let i = 0; i < Math.min(count, jobs.length); i++) {
        const worker = new Worker(url, { workerData: setup });
        pool.push(worker);
        running++;
        worker.on('message', (m: WorkerMessage) => {
          if (failed) return;
          if (m.type === 'error') {
            const Kind = m.name === 'TypeError' ? TypeError : m.name === 'RangeError' ? RangeError : Error;
            const err = new Kind(`Fold ${m.fold + 1} failed in its worker thread: ${m.message}`);
            if (Kind === Error) err.name = m.name;
            if (m.stack) err.stack = `${err.name}: ${err.message}\n--- in the worker ---\n${m.stack}`;
            fail(err);
            return;
          }
          finish(m.result).then(
            () => next(worker),
            (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
          );
        });
        worker.on('error', (err) => fail(err));
        worker.on('exit', (code) => {
          if (!done.has(worker)) fail(new Error(`A cross-validation worker thread exited early (code ${code})`));
        });
        next(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
