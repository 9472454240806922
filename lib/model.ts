/**
 * The sequential model: build, compile, fit (one native job per epoch, off
 * the main thread), evaluate, predict, weights and gradients.
 */
import type { Callback, Logs } from './callbacks.js';
import { expectedMessage, rangeError, typeError } from './errors.js';
import { Layer, type LayerConfig, type Shape } from './layers.js';
import { batchShape, product } from './layers/base.js';
import {
  LOSSES,
  LOSS_ALIASES,
  type LossName,
  METRICS,
  METRIC_ALIASES,
  type MetricName,
  lossId,
  metricId,
} from './names.js';
import { native } from './native.js';
import type { NativeDataset } from './native-types.js';
import { modelToBufferSync } from './io/buffer.js';
import { type FitTarget, fitModel } from './training.js';
import { Optimizer, resolveOptimizer } from './optimizers.js';
import { resolveSeed } from './system.js';
import { Tensor, outputStorage, toTensor } from './tensor.js';
import { checkBoolean, checkChoice, checkInteger, checkKnownKeys, checkNumber, checkOptions } from './validate.js';
import { checkMovingVariance } from './layers/normalization.js';
import type { QuantizedModel } from './quantize/quantized-model.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeModel = any;

export interface CompileOptions {
  /** An optimizer from `nn.optimizers`, or its name with default options. */
  optimizer: Optimizer | string;
  /** A loss name. */
  loss: LossName;
  /** Metric names reported by fit and evaluate. */
  metrics?: MetricName[];
}

export interface PredictOptions {
  /** Storage for the outputs: a Tensor of shape [n, outputs] or a Float32Array of n * outputs values. */
  out?: Tensor | Float32Array;
}

export interface FitOptions {
  epochs?: number;
  /** Samples per batch (default 32; the whole set for `nn.optimizers.gd`). The last partial batch is used. */
  batchSize?: number;
  /** Shuffle the training samples each epoch (default true). */
  shuffle?: boolean;
  /** Seed for initialization, shuffling and dropout of this run. */
  seed?: number;
  /** 0 silent, 1 progress bar on a terminal (one line per epoch otherwise), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** Fraction of the samples, taken from the end (as Keras does, before shuffling), held out for validation. */
  validationSplit?: number;
  /** Validation data `[x, y]`. */
  validationData?: [unknown, unknown];
  /** Epoch to start from (for resuming): epochs run from `initialEpoch` to `epochs - 1`. */
  initialEpoch?: number;
  /** Weight of each class in the loss: `{ 0: 1, 1: 5 }`. */
  classWeight?: Record<number, number>;
  callbacks?: Callback[];
  /** Check that x and y hold only finite numbers (default true). */
  checkFinite?: boolean;
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** Raised when the loss or gradients become NaN or infinite during fit. */
export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    readonly epoch: number,
    readonly batch: number,
    readonly history: History,
  ) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

const CATEGORICAL: LossName[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'];

export class Sequential {
  readonly layers: Layer[];
  /** Set to true (from a callback or elsewhere) to stop `fit` after the current batch. */
  private stopFlag = false;
  private nativeModel?: NativeModel;
  private inputSize?: number;
  private sampleShape?: Shape;
  private shapesCache?: { input: Shape; output: Shape }[];
  private compileOptions?: { optimizer: Optimizer; loss: LossName; metrics: MetricName[] };
  private training = false;
  /** predictAsync / evaluateAsync jobs of this model not settled yet, and who waits for none to be left. */
  private jobsInFlight = 0;
  private waitingForIdle: (() => void)[] = [];
  private seed?: number;

  constructor(layers: Layer[] = []) {
    if (!Array.isArray(layers)) throw typeError('an array of layers', 'layers', layers);
    layers.forEach((l, i) => {
      if (!(l instanceof Layer)) throw typeError('a layer from nn.layers', `layers[${i}]`, l);
    });
    this.layers = [...layers];
    const first = layers[0]?.config;
    const shape = first?.inputShape ?? (first?.inputDim !== undefined ? [first.inputDim] : undefined);
    if (shape) this.setSampleShape(shape);
  }

  private setSampleShape(shape: Shape): void {
    this.sampleShape = [...shape];
    this.inputSize = product(shape);
    this.shapesCache = undefined;
  }

  /** The label of layer i in messages and summary(): its name, or `<type>_<i>`. */
  layerLabel(i: number): string {
    const c = this.layers[i]!.config;
    return c.name ?? `${c.type}_${i}`;
  }

  /**
   * The input and output sample shape of every layer, once the input shape is known. Throws a RangeError
   * naming the first layer that does not fit its input.
   */
  layerShapes(): { input: Shape; output: Shape }[] {
    if (this.shapesCache) return this.shapesCache;
    if (!this.sampleShape) throw new Error('The model has no input shape yet');
    const out: { input: Shape; output: Shape }[] = [];
    let shape = this.sampleShape;
    this.layers.forEach((l, i) => {
      if (i > 0 && l.config.inputShape !== undefined)
        throw new RangeError(
          `Expected inputShape only on the first layer, but ${this.layerLabel(i)} (layer ${i}) has inputShape [${l.config.inputShape.join(', ')}]`,
        );
      const output = l.outputShape(shape, this.layerLabel(i));
      out.push({ input: shape, output });
      shape = output;
    });
    this.shapesCache = out;
    return out;
  }

  /** The shape of one input sample (without the batch dimension), once known: `[features]` or `[h, w, c]`. */
  get inputShape(): Shape | undefined {
    return this.sampleShape ? [...this.sampleShape] : undefined;
  }

  /** The shape of one output sample, once the input shape is known. */
  get outputShape(): Shape | undefined {
    if (!this.sampleShape) return undefined;
    const s = this.layerShapes();
    return [...(s.length ? s[s.length - 1]!.output : this.sampleShape)];
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw typeError('a layer from nn.layers', 'layer', layer);
    if (this.nativeModel) throw new Error('Cannot add a layer to a model that is already built');
    if (this.layers.length === 0) {
      const c = layer.config;
      const shape = c.inputShape ?? (c.inputDim !== undefined ? [c.inputDim] : undefined);
      if (shape) this.setSampleShape(shape);
    }
    this.layers.push(layer);
    this.shapesCache = undefined;
    return this;
  }

  get stopTraining(): boolean {
    return this.stopFlag;
  }
  set stopTraining(v: boolean) {
    this.stopFlag = Boolean(v);
    if (this.stopFlag && this.nativeModel) this.nativeModel.requestStop();
  }

  /** Number of input features, once known. */
  get inputDim(): number | undefined {
    return this.inputSize;
  }

  /** Number of output values per sample, once the input shape is known. */
  get outputDim(): number | undefined {
    const s = this.outputShape;
    return s ? product(s) : undefined;
  }

  /** Whether the model's weights exist. */
  get built(): boolean {
    return this.nativeModel !== undefined;
  }

  /**
   * Builds the weights for samples of `inputShape` (a number of features, or a sample shape such as
   * `[28, 28, 1]`); done automatically on first use.
   */
  build(inputShape?: number | Shape, seed?: number): this {
    if (this.nativeModel) return this;
    if (inputShape !== undefined) {
      const shape = Array.isArray(inputShape)
        ? inputShape.map((d, i) => checkInteger(d, `inputShape[${i}]`, { min: 1, max: 1 << 24 }))
        : [checkInteger(inputShape, 'inputDim', { min: 1, max: 1 << 24 })];
      if (this.sampleShape !== undefined && batchShape(this.sampleShape) !== batchShape(shape))
        throw this.sampleShape.length === 1 && shape.length === 1
          ? rangeError(
              `data with ${this.inputSize} features (the model's inputDim)`,
              'x',
              `data with ${shape[0]} features`,
            )
          : new RangeError(
              expectedMessage(
                `the model's input shape [${this.sampleShape.join(', ')}]`,
                'inputShape',
                `[${shape.join(', ')}]`,
              ),
            );
      this.setSampleShape(shape);
    }
    if (this.sampleShape === undefined)
      throw new Error(
        'The model has no input size yet: give the first layer an inputDim or inputShape, call model.build(inputShape), or fit it on data first',
      );
    if (this.inputSize! > 1 << 30) throw rangeError('samples of at most 2^30 values', 'inputShape', this.sampleShape);
    const shapes = this.layerShapes();
    if (!this.layers.some((l) => l.hasWeights))
      throw new Error('The model needs at least one layer with weights (dense or conv)');
    this.seed = resolveSeed(seed ?? this.seed);
    this.nativeModel = new native.Model({
      inputSize: this.inputSize,
      seed: this.seed,
      layers: this.layers.map((l, i) => l.toNative(shapes[i]!.input)),
    });
    this.nativeTrainable = this.layers.map((l) => l.trainable);
    if (this.compileOptions) this.nativeCompile();
    return this;
  }

  private get model(): NativeModel {
    if (!this.nativeModel) this.build();
    this.syncTrainable();
    return this.nativeModel;
  }

  /** The trainable flags the native model has (layer.trainable may change at any time). */
  private nativeTrainable?: boolean[];

  private syncTrainable(): void {
    const flags = this.layers.map((l) => l.trainable);
    const had = this.nativeTrainable ?? this.layers.map((l) => l.config.trainable !== false);
    if (flags.every((f, i) => f === had[i])) {
      this.nativeTrainable = had;
      return;
    }
    this.nativeModel.setTrainable(flags);
    this.nativeTrainable = flags;
  }

  /** @internal Whether predict folds batch normalizations into the dense / conv layer before them (default true). */
  setFoldBatchNorm(fold: boolean): void {
    this.model.setFoldBatchNorm(Boolean(fold));
  }

  /** Chooses the optimizer, the loss and the metrics. */
  compile(options: CompileOptions): void {
    if (options === undefined) throw typeError('an options object { optimizer, loss }', 'options', options);
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['optimizer', 'loss', 'metrics'], 'compile options');
    if (this.training) throw new Error('Cannot compile a model while it is training');
    const optimizer = resolveOptimizer(o.optimizer ?? 'adam', 'optimizer');
    const lossName = typeof o.loss === 'string' && LOSS_ALIASES[o.loss] ? LOSS_ALIASES[o.loss] : o.loss;
    const loss = checkChoice(lossName, LOSSES, 'loss');
    const metrics: MetricName[] = [];
    if (o.metrics !== undefined) {
      if (!Array.isArray(o.metrics)) throw typeError('an array of metric names', 'metrics', o.metrics);
      o.metrics.forEach((m, i) => {
        const name = typeof m === 'string' && METRIC_ALIASES[m] ? METRIC_ALIASES[m] : m;
        const c = checkChoice(name, METRICS, `metrics[${i}]`);
        if (!metrics.includes(c)) metrics.push(c);
      });
    }
    this.checkOutputActivation(loss);
    this.compileOptions = { optimizer, loss, metrics };
    if (this.nativeModel) this.nativeCompile();
  }

  /** Cross-entropy over classes needs probabilities (softmax) or logits (linear) out of the model. */
  private checkOutputActivation(loss: LossName): void {
    if (!CATEGORICAL.includes(loss)) return;
    const last = [...this.layers].reverse().find((l) => l.config.type !== 'dropout')?.config;
    const act = last?.activation ?? 'linear';
    if (act !== 'softmax' && act !== 'sigmoid' && act !== 'linear')
      throw new RangeError(
        expectedMessage(
          'a model ending in a softmax (or linear) activation',
          `the loss "${loss}"`,
          `a model ending in a ${JSON.stringify(act)} activation`,
        ),
      );
  }

  private nativeCompile(): void {
    const c = this.compileOptions!;
    this.checkOutputActivation(c.loss);
    this.nativeModel.compile({
      loss: lossId(c.loss),
      metrics: c.metrics.map(metricId),
      optimizer: c.optimizer.toNative(),
    });
  }

  /** The compile settings, if compiled. */
  get compileConfig(): { optimizer: Optimizer; loss: LossName; metrics: MetricName[] } | undefined {
    return this.compileOptions;
  }

  private requireCompiled(what: string): { optimizer: Optimizer; loss: LossName; metrics: MetricName[] } {
    if (!this.compileOptions)
      throw new Error(`The model must be compiled before ${what}: call model.compile({ optimizer, loss })`);
    return this.compileOptions;
  }

  /**
   * Turns x into [n, inputDim] float32 over the same data (building the model from the samples' shape if
   * needed): x is [n, ...inputShape], or a single flat sample.
   */
  private prepareX(x: unknown, argument = 'x'): Tensor {
    let t = toTensor(x, argument);
    const shape = this.sampleShape;
    if (t.rank === 1) {
      const d = this.inputSize;
      if (shape !== undefined && shape.length > 1) {
        if (t.size === d) t = t.reshape([1, ...shape]); // one sample, flat
      } else t = d !== undefined && d > 1 && t.size === d ? t.reshape([1, d]) : t.reshape([t.size, 1]);
    }
    // The common case (a 2-D batch of the model's width) is checked without building any string.
    const fast =
      t.rank === 2 && t.shape[0]! > 0 && shape !== undefined && shape.length === 1 && t.shape[1] === shape[0];
    if (!fast) this.checkSampleShape(t, shape, argument);
    if (!this.nativeModel) this.build(t.shape.slice(1));
    return t.rank === 2 ? t : t.reshape([t.shape[0]!, this.inputSize!]);
  }

  /** Throws the error for an input whose shape does not fit the model (nothing when it fits). */
  private checkSampleShape(t: Tensor, shape: Shape | undefined, argument: string): void {
    const received = `a tensor of shape [${t.shape.join(', ')}]`;
    if (t.rank < 2)
      throw new RangeError(
        expectedMessage(
          shape && shape.length > 1 ? `a tensor of shape ${batchShape(shape)}` : 'a 2-D tensor [samples, features]',
          argument,
          received,
        ),
      );
    if (t.shape[0] === 0) throw new RangeError(expectedMessage('at least one sample', argument, received));
    const sample = t.shape.slice(1);
    if (shape !== undefined && batchShape(sample) !== batchShape(shape)) {
      if (shape.length === 1)
        throw new RangeError(
          sample.length === 1
            ? expectedMessage(`samples with ${this.inputSize} features (the model's input size)`, argument, received)
            : expectedMessage('a 2-D tensor [samples, features]', argument, received),
        );
      const first = this.layers.length ? ` (${this.layerLabel(0)} expects ${batchShape(shape)})` : '';
      throw new RangeError(
        expectedMessage(`samples of shape ${batchShape(shape)}${first}`, argument, `[${t.shape.join(', ')}]`),
      );
    }
  }

  /** Turns y into the layout the loss needs: class ids [n] for sparse losses, else [n, outputs]. */
  private prepareY(y: unknown, n: number, argument = 'y'): Tensor {
    const c = this.requireCompiled('training');
    const out = this.outputDim!;
    let t = toTensor(y, argument);
    if (c.loss === 'sparseCategoricalCrossentropy') {
      if (t.rank === 2 && t.shape[1] === 1) t = t.reshape([t.shape[0]!]);
      if (t.rank !== 1)
        throw new RangeError(
          expectedMessage('class ids of shape [n] or [n, 1]', argument, `a tensor of shape [${t.shape.join(', ')}]`),
        );
      for (let i = 0; i < t.size; i++) {
        const v = t.data[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= out)
          throw rangeError(`class ids that are integers from 0 to ${out - 1}`, `${argument}[${i}]`, v);
      }
    } else {
      if (t.rank === 1 && out === 1) t = t.reshape([t.size, 1]);
      if (t.rank === 1 && CATEGORICAL.includes(c.loss))
        throw new RangeError(
          expectedMessage(
            `one-hot rows [n, ${out}] for categoricalCrossentropy (use sparseCategoricalCrossentropy for class ids)`,
            argument,
            `a tensor of shape [${t.shape.join(', ')}]`,
          ),
        );
      if (t.rank !== 2 || t.shape[1] !== out)
        throw new RangeError(
          expectedMessage(
            `targets of shape [n, ${out}] (the model's outputs)`,
            argument,
            `a tensor of shape [${t.shape.join(', ')}]`,
          ),
        );
    }
    if (t.shape[0] !== n)
      throw new RangeError(
        expectedMessage(
          `${n} target${n === 1 ? '' : 's'} (one per sample of x)`,
          argument,
          `${t.shape[0]} target${t.shape[0] === 1 ? '' : 's'}`,
        ),
      );
    return t;
  }

  private dataset(x: Tensor, y: Tensor): NativeDataset {
    const n = x.shape[0]!;
    const ds = new native.Dataset(n, x.shape[1]!, y.rank === 1 ? 1 : y.shape[1]!, false);
    ds.write(0, 0, x.data, false);
    ds.write(1, 0, y.data, false);
    return ds;
  }

  private logsFrom(loss: number, metrics: number[], prefix = ''): Logs {
    const c = this.compileOptions!;
    const logs: Logs = { [prefix ? `${prefix}Loss` : 'loss']: loss };
    c.metrics.forEach((m, i) => {
      const key = prefix ? `${prefix}${m[0]!.toUpperCase()}${m.slice(1)}` : m;
      logs[key] = metrics[i]!;
    });
    return logs;
  }

  /**
   * Trains the model. Each epoch runs natively on the libuv pool (shuffle,
   * gather, forward, loss, backward, regularization, update for every batch);
   * the event loop stays free. Resolves with the history. See lib/training.ts.
   */
  async fit(x: unknown, y: unknown, options: FitOptions = {}): Promise<History> {
    return fitModel(this.fitTarget(), x, y, options);
  }

  /** What the training loop reads and steers of this model. */
  private fitTarget(): FitTarget {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get training() {
        return self.training;
      },
      set training(v: boolean) {
        self.training = v;
      },
      get stopFlag() {
        return self.stopFlag;
      },
      set stopFlag(v: boolean) {
        self.stopFlag = v;
      },
      get built() {
        return self.nativeModel !== undefined;
      },
      get outputDim() {
        return self.outputDim!;
      },
      native: () => self.model,
      setSeed: (seed: number) => {
        // Before the build the seed also drives initialization; afterwards it restarts shuffling and dropout.
        if (self.nativeModel) self.nativeModel.reseed(seed);
        else self.seed = seed;
      },
      requireCompiled: (what: string) => self.requireCompiled(what),
      prepareX: (x: unknown, argument: string) => self.prepareX(x, argument),
      prepareY: (y: unknown, n: number, argument: string) => self.prepareY(y, n, argument),
      logsFrom: (loss: number, metrics: number[], prefix?: string) => self.logsFrom(loss, metrics, prefix),
      waitIdle: async () => {
        while (self.jobsInFlight > 0) await self.idle();
      },
      handle: () => self.trainingHandle(),
    };
  }

  /**
   * Counts an async job of this model until it settles. The native model runs
   * one job at a time and its synchronous calls refuse to wait for a running
   * one (that would block the event loop), so fit waits in JavaScript until
   * none is left before its own synchronous steps (see {@link idle}).
   */
  private async tracked<T>(job: Promise<T>): Promise<T> {
    this.jobsInFlight++;
    try {
      return await job;
    } finally {
      if (--this.jobsInFlight === 0) for (const resolve of this.waitingForIdle.splice(0)) resolve();
    }
  }

  /**
   * Resolves when no predictAsync / evaluateAsync job of this model is left.
   * Used as `while (this.jobsInFlight > 0) await this.idle();` right before a
   * synchronous native call, so that no job can start in between. fit also
   * waits so before each callback, whose synchronous model calls (getWeights
   * in earlyStopping, say) must find the model free.
   */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => this.waitingForIdle.push(resolve));
  }

  /** The interface callbacks use to steer training. */
  private trainingHandle() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get stopTraining() {
        return self.stopTraining;
      },
      set stopTraining(v: boolean) {
        self.stopTraining = v;
      },
      getWeights: () => self.getWeights(),
      setWeights: (w: Float32Array[]) => self.setWeights(w),
      get learningRate() {
        return self.learningRate;
      },
      set learningRate(v: number) {
        self.learningRate = v;
      },
      save: (path: string) => self.save(path),
    };
  }

  /** The optimizer's base learning rate (callbacks such as reduceLROnPlateau change it). */
  get learningRate(): number {
    const c = this.requireCompiled('reading the learning rate');
    const r = this.nativeModel?.getLearningRate();
    return r ? r.base : (c.optimizer.config.learningRate as number);
  }
  set learningRate(v: number) {
    checkNumber(v, 'learningRate', { min: 0 });
    this.requireCompiled('setting the learning rate');
    this.model.setLearningRate(v);
  }

  /** Loss (with regularization terms) and metrics over x, y. Synchronous. */
  evaluate(x: unknown, y: unknown, options: { batchSize?: number } = {}): Logs {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['batchSize'], 'evaluate options');
    const batchSize = o.batchSize === undefined ? 256 : checkInteger(o.batchSize, 'batchSize', { min: 1 });
    this.requireCompiled('evaluate');
    const tx = this.prepareX(x);
    const ty = this.prepareY(y, tx.shape[0]!);
    const r = this.model.evaluate(this.dataset(tx, ty), batchSize);
    return this.logsFrom(r.loss, r.metrics);
  }

  /** Like {@link evaluate}, off the main thread. */
  async evaluateAsync(x: unknown, y: unknown, options: { batchSize?: number } = {}): Promise<Logs> {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['batchSize'], 'evaluate options');
    const batchSize = o.batchSize === undefined ? 256 : checkInteger(o.batchSize, 'batchSize', { min: 1 });
    this.requireCompiled('evaluate');
    const tx = this.prepareX(x);
    const ty = this.prepareY(y, tx.shape[0]!);
    const r = await this.tracked<{ loss: number; metrics: number[] }>(
      this.model.evaluateAsync(this.dataset(tx, ty), batchSize),
    );
    return this.logsFrom(r.loss, r.metrics);
  }

  /**
   * Outputs for x ([n, outputs]; probabilities after a final softmax or sigmoid). Synchronous. The first call
   * after the weights change packs each dense kernel for the matrix products (one more copy of the kernels,
   * kept until the weights change again); later calls reuse it.
   *
   * `options.out` (a Tensor of shape [n, outputs] or a Float32Array of n * outputs values) receives the
   * outputs instead of a new array, and the result is a Tensor over it: a serving loop that reuses it
   * allocates nothing per call. It may even be x's own storage (x is read in full before it is written).
   */
  predict(x: unknown, options?: PredictOptions): Tensor {
    const tx = this.prepareX(x);
    const rows = tx.shape[0]!;
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['out'], 'predict options');
    const out = o.out === undefined ? undefined : outputStorage(o.out, rows, this.outputDim!, 'options.out');
    // The native call returns `out` when given, else a new array.
    return new Tensor(this.model.predict(tx.data, rows, out), [rows, ...this.outputShape!]);
  }

  /** Like {@link predict}, off the main thread; x is copied when the call starts. */
  async predictAsync(x: unknown): Promise<Tensor> {
    const tx = this.prepareX(x);
    const rows = tx.shape[0]!;
    const out = await this.tracked<Float32Array>(this.model.predictAsync(tx.data, rows));
    return new Tensor(out, [rows, ...this.outputShape!]);
  }

  /**
   * The loss of the batch (x, y) and its gradient for every weight tensor, in the order of getWeights()
   * (zeros for a batch normalization's moving statistics, which are not trained). Regularization included.
   * By default an inference-mode pass (no dropout, batch normalization with its moving statistics);
   * `{ training: true }` runs a training-mode pass, as Keras's `training=True`: dropout on, batch
   * normalization with the batch's statistics, which also updates its moving statistics.
   */
  computeGradients(
    x: unknown,
    y: unknown,
    options: { training?: boolean } = {},
  ): { loss: number; grads: Float32Array[] } {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['training'], 'computeGradients options');
    const training = o.training === undefined ? false : checkBoolean(o.training, 'options.training');
    this.requireCompiled('computeGradients');
    const tx = this.prepareX(x);
    const ty = this.prepareY(y, tx.shape[0]!);
    return this.model.computeGradients(tx.data, ty.data, null, tx.shape[0]!, training);
  }

  /** Copies of the weights: [kernel0 (inputs x units, row-major), bias0, kernel1, ...]. */
  getWeights(): Float32Array[] {
    return this.model.getWeights();
  }

  /** Copies weights in (same order and sizes as getWeights). Nothing changes if any array is wrong. */
  setWeights(weights: Float32Array[]): void {
    if (!Array.isArray(weights)) throw typeError('an array of Float32Arrays', 'weights', weights);
    const specs = this.weightSpecs();
    const shapes = specs.map((w) => w.shape);
    if (weights.length !== shapes.length)
      throw new RangeError(
        expectedMessage(
          `an array of ${shapes.length} weight tensors`,
          'weights',
          `an array of length ${weights.length}`,
        ),
      );
    const arrays = weights.map((w, i) => {
      const size = shapes[i]!.reduce((a, b) => a * b, 1);
      const t = w instanceof Tensor ? w.data : w;
      if (!(t instanceof Float32Array)) throw typeError('a Float32Array', `weights[${i}]`, w);
      if (t.length !== size)
        throw rangeError(
          `a Float32Array of length ${size} (shape [${shapes[i]!.join(', ')}]${specs[i]!.stateOf ? `, the ${specs[i]!.name} of ${specs[i]!.stateOf}` : ''})`,
          `weights[${i}]`,
          t,
        );
      if (specs[i]!.name === 'movingVariance' && specs[i]!.stateOf) checkMovingVariance(t, `weights[${i}]`);
      return t;
    });
    this.model.setWeights(arrays);
  }

  /** @internal Names and shapes of the weight tensors; stateOf names the layer of a moving statistic. */
  private weightSpecs(): { name: string; shape: number[]; stateOf?: string }[] {
    if (this.sampleShape === undefined) throw new Error('The model has no input size yet');
    const shapes = this.layerShapes();
    return this.layers.flatMap((l, i) =>
      l.weights(shapes[i]!.input).map((w) => ({
        ...w,
        stateOf: w.name === 'movingMean' || w.name === 'movingVariance' ? this.layerLabel(i) : undefined,
      })),
    );
  }

  /** Shapes of the weight tensors, in the order of getWeights(). */
  weightShapes(): number[][] {
    if (this.sampleShape === undefined) throw new Error('The model has no input size yet');
    const shapes = this.layerShapes();
    return this.layers.flatMap((l, i) => l.weights(shapes[i]!.input).map((w) => w.shape));
  }

  /** A table of layers, output shapes and parameter counts (also printed unless `print` is false). */
  summary(print = true): string {
    const rows: string[][] = [['Layer (type)', 'Output shape', 'Param #']];
    const shapes = this.sampleShape ? this.layerShapes() : undefined;
    let total = 0;
    this.layers.forEach((l, i) => {
      const params = shapes ? l.weights(shapes[i]!.input).reduce((a, w) => a + product(w.shape), 0) : NaN;
      total += params;
      const detail = l.kind.detail?.(l.config) ?? '';
      const name = `${this.layerLabel(i)} (${l.config.type}${detail ? `, ${detail}` : ''})`;
      const out = shapes ? `[null, ${shapes[i]!.output.join(', ')}]` : '[null, ?]';
      rows.push([name, out, Number.isNaN(params) ? '?' : String(params)]);
    });
    const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)) + 2);
    const line = (r: string[]) => r.map((cell, j) => cell.padEnd(widths[j]!)).join('');
    const sep = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const text = [
      sep,
      line(rows[0]!),
      '='.repeat(sep.length),
      ...rows.slice(1).map(line),
      '='.repeat(sep.length),
      `Total params: ${Number.isNaN(total) ? '? (input size unknown)' : total}`,
      sep,
    ].join('\n');
    if (print) console.log(text);
    return text;
  }

  /** The model description (layers and compile settings), as saved with the weights. */
  toJSON(): {
    inputDim?: number;
    inputShape?: Shape;
    layers: LayerConfig[];
    compile?: { optimizer: unknown; loss: LossName; metrics: MetricName[] };
  } {
    const c = this.compileOptions;
    return {
      inputDim: this.inputSize,
      inputShape: this.inputShape,
      layers: this.layers.map((l) => l.toJSON()),
      compile: c ? { optimizer: c.optimizer.toJSON(), loss: c.loss, metrics: c.metrics } : undefined,
    };
  }

  /** @internal Optimizer state, for saving and resuming training. */
  getOptimizerState(): { iterations: number; slots: { name: string; param: number; data: Float32Array }[] } | null {
    return this.nativeModel?.getOptimizerState() ?? null;
  }

  /** @internal The state of the generator that drives shuffling and dropout (saved with the model). */
  getRandomState(): string | null {
    return this.nativeModel?.getRngState() ?? null;
  }

  /** @internal */
  setRandomState(state: string): void {
    this.model.setRngState(state);
  }

  /** @internal */
  setOptimizerState(state: { iterations: number; slots: { name: string; param: number; data: Float32Array }[] }): void {
    this.model.setOptimizerState(state);
  }

  /** Saves the model to a folder: model.json (description) and weights.bin (float32 LE), with optimizer state. See nn.loadModel. */
  async save(path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    const { saveModel } = await import('./io/save.js');
    await saveModel(this, path, options);
  }

  /** The saved form in one Buffer (for databases and object stores). See nn.loadModel. */
  toBuffer(options: { includeOptimizer?: boolean } = {}): Buffer {
    return modelToBufferSync(this, options);
  }

  /**
   * A QuantizedModel for inference: int8 weights (per output channel by default), 8-bit activations whose
   * ranges come from `calibration` (static mode) or from each batch (dynamic mode). See docs/quantization.md.
   */
  async quantize(options: import('./quantize/quantize.js').QuantizeOptions): Promise<QuantizedModel> {
    const { quantizeModel } = await import('./quantize/quantize.js');
    if (this.training) throw new Error('Cannot quantize a model while it is training');
    return quantizeModel(this, this.nativeModel ? this.model : undefined, options);
  }

  /** Writes an ONNX model (opset 13+) that onnxruntime runs with the same outputs. */
  async exportOnnx(file: string): Promise<void> {
    const { exportOnnx } = await import('./io/onnx.js');
    await exportOnnx(this, file);
  }
}

/** A sequential model from a list of layers. */
export function sequential(layers: Layer[] = []): Sequential {
  return new Sequential(layers);
}
