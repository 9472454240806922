/**
 * Column-wise feature scaling fitted on training data and applied unchanged to other data:
 * standardisation (zero mean, unit variance) and min-max scaling. Statistics are computed in float64.
 */
import { expectedMessage, rangeError, typeError } from '../errors.js';
import { Tensor, toTensor } from '../tensor.js';
import { checkKnownKeys, checkNumber, checkOptions, isPlainObject } from '../validate.js';

/** A tensor seen as `[rows, features]`, plus the shape to give results. */
interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  shape: readonly number[];
}

/** What a scaler was fitted on, beyond its column count. */
interface Layout {
  /** Statistics per channel (the last axis, every other axis pooled) rather than per feature. */
  perChannel: boolean;
  /** The per-sample shape fitted on, when the data had more than two axes and `perChannel` is off. */
  sampleShape?: readonly number[];
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * `[n, features]` as is; a 1-D tensor is one column, or one row when `features` (the fitted
 * width) is greater than 1 and matches its length. `[n, ...sampleShape]` with more axes is `n` rows of
 * `prod(sampleShape)` features, or with `perChannel` `n * h * w * ...` rows of its last axis.
 */
function asMatrix(x: unknown, layout: Layout, features?: number): Matrix {
  const t = toTensor(x, 'x');
  if (t.rank === 2) return { data: t.data, rows: t.shape[0]!, cols: t.shape[1]!, shape: t.shape };
  if (t.rank === 1) {
    if (features !== undefined && features > 1 && t.size === features)
      return { data: t.data, rows: 1, cols: t.size, shape: t.shape };
    return { data: t.data, rows: t.size, cols: 1, shape: t.shape };
  }
  if (t.rank >= 3) {
    const last = t.shape[t.rank - 1]!;
    if (layout.perChannel) return { data: t.data, rows: last > 0 ? t.size / last : 0, cols: last, shape: t.shape };
    const sample = t.shape.slice(1);
    if (layout.sampleShape && shapeText(layout.sampleShape) !== shapeText(sample))
      throw new RangeError(
        expectedMessage(`samples of shape ${shapeText(layout.sampleShape)} (as fitted)`, 'x', `a tensor of shape ${shapeText(t.shape)}`),
      );
    const cols = sample.reduce((a, b) => a * b, 1);
    return { data: t.data, rows: t.shape[0]!, cols, shape: t.shape };
  }
  throw new RangeError(
    expectedMessage('a tensor [rows, features] or [rows, ...sampleShape]', 'x', `a tensor of shape ${shapeText(t.shape)}`),
  );
}

/** The layout to remember after fitting on `x`. */
function fittedLayout(m: Matrix, perChannel: boolean): Layout {
  return m.shape.length >= 3 && !perChannel ? { perChannel, sampleShape: m.shape.slice(1) } : { perChannel };
}

function checkWidth(m: Matrix, features: number, layout: Layout): void {
  if (layout.sampleShape && m.shape.length < 3)
    throw new RangeError(
      expectedMessage(`samples of shape ${shapeText(layout.sampleShape)} (as fitted)`, 'x', `a tensor of shape ${shapeText(m.shape)}`),
    );
  if (m.cols !== features)
    throw new RangeError(
      expectedMessage(
        layout.perChannel
          ? `${features} channel${features === 1 ? '' : 's'} on the last axis (as fitted)`
          : `${features} feature column${features === 1 ? '' : 's'} (as fitted)`,
        'x',
        `a tensor of shape ${shapeText(m.shape)}`,
      ),
    );
}

/** `options.perChannel` of a scaler's constructor. */
function parsePerChannel(opts: Record<string, unknown>, argument: string): boolean {
  if (opts.perChannel === undefined) return false;
  if (typeof opts.perChannel !== 'boolean') throw typeError('a boolean', `${argument}.perChannel`, opts.perChannel);
  return opts.perChannel;
}

/** The layout fields of a scaler's JSON (absent for the default, per-feature 2-D fit). */
function layoutJSON(layout: Layout): { perChannel?: boolean; sampleShape?: number[] } {
  return {
    ...(layout.perChannel ? { perChannel: true } : {}),
    ...(layout.sampleShape ? { sampleShape: [...layout.sampleShape] } : {}),
  };
}

/** Reads the layout fields of a scaler's JSON. */
function layoutFromJSON(json: { perChannel?: unknown; sampleShape?: unknown }, features: number): Layout {
  const perChannel = parsePerChannel(json as Record<string, unknown>, 'json');
  if (json.sampleShape === undefined) return { perChannel };
  if (
    perChannel ||
    !Array.isArray(json.sampleShape) ||
    json.sampleShape.length < 2 ||
    !json.sampleShape.every((d) => Number.isInteger(d) && d > 0) ||
    json.sampleShape.reduce((a: number, b: number) => a * b, 1) !== features
  )
    throw typeError(`a list of positive integers whose product is ${features} (without perChannel)`, 'json.sampleShape', json.sampleShape);
  return { perChannel, sampleShape: json.sampleShape as number[] };
}

/** Checks the data to fit on: at least one row, finite values. */
function checkFitData(m: Matrix): void {
  if (m.rows === 0)
    throw new RangeError(expectedMessage('at least one row to fit on', 'x', `a tensor of shape [${m.shape.join(', ')}]`));
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    if (!Number.isFinite(v)) {
      const r = Math.floor(i / m.cols);
      const c = i % m.cols;
      throw rangeError('finite values', m.shape.length === 2 ? `x[${r}][${c}]` : `x[${i}]`, v);
    }
  }
}

/** `out = x * scale + offset`, column-wise, in float64 before rounding to float32. */
function affine(m: Matrix, scale: Float64Array, offset: Float64Array): Tensor {
  const out = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.cols;
    for (let c = 0; c < m.cols; c++) out[base + c] = m.data[base + c]! * scale[c]! + offset[c]!;
  }
  return new Tensor(out, m.shape);
}

function notFitted(name: string): Error {
  return new Error(`${name} is not fitted: call fit(x) or fitTransform(x) first`);
}

function numberList(v: unknown, argument: string, length?: number, positive = false): Float64Array {
  if (!Array.isArray(v)) throw typeError('an array of numbers', argument, v);
  if (length !== undefined && v.length !== length)
    throw new RangeError(expectedMessage(`an array of length ${length}`, argument, `an array of length ${v.length}`));
  return Float64Array.from(v, (e, i) =>
    checkNumber(e, `${argument}[${i}]`, positive ? { min: 0, minExclusive: true } : {}),
  );
}

/** The serialised form of a {@link StandardScaler}. */
export interface StandardScalerJSON {
  type: 'standardScaler';
  /** Column means. */
  mean: number[];
  /** Column standard deviations as used for scaling (population std; 0 replaced by 1). */
  std: number[];
  /** Present and true when the statistics are per channel (last axis). */
  perChannel?: boolean;
  /** The per-sample shape fitted on, when it had more than one axis (per-feature statistics). */
  sampleShape?: number[];
}

/** Options of {@link StandardScaler} and {@link standardize}. */
export interface StandardScalerOptions {
  /**
   * For `[n, ...sampleShape]` data with more than two axes: one mean and std per channel (the last axis,
   * pooled over samples and every other axis, as images are usually normalised) instead of one per
   * feature (default false: every element of the sample shape is a feature). 2-D data is per column either way.
   */
  perChannel?: boolean;
}

/**
 * Standardises columns: `(x - mean) / std`, with the mean and (population) standard deviation of each
 * column of the data it was fitted on; a constant column has std 0, which is used as 1.
 *
 * @example
 * ```ts
 * const scaler = new nn.data.StandardScaler();
 * const xTrainScaled = scaler.fitTransform(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
export class StandardScaler {
  private means?: Float64Array;
  private stds?: Float64Array;
  private layout: Layout;

  /** @param options - `perChannel` (default false) */
  constructor(options?: StandardScalerOptions) {
    const opts = checkOptions(options, 'options');
    checkKnownKeys(opts, ['perChannel'], 'options');
    this.layout = { perChannel: parsePerChannel(opts, 'options') };
  }

  /** True when the statistics are per channel (the last axis) of N-D data. */
  get perChannel(): boolean {
    return this.layout.perChannel;
  }

  /** True once fitted (by {@link fit}, {@link fitTransform} or {@link StandardScaler.fromJSON}). */
  get fitted(): boolean {
    return this.means !== undefined;
  }

  /** The number of feature columns fitted on. */
  get features(): number {
    if (!this.means) throw notFitted('StandardScaler');
    return this.means.length;
  }

  /** Column means (a copy). */
  get mean(): Float64Array {
    if (!this.means) throw notFitted('StandardScaler');
    return this.means.slice();
  }

  /** Column standard deviations used for scaling (a copy; 0 replaced by 1). */
  get std(): Float64Array {
    if (!this.stds) throw notFitted('StandardScaler');
    return this.stds.slice();
  }

  /**
   * Computes each column's mean and standard deviation.
   * @param x - `[rows, features]` or `[rows, ...sampleShape]` with finite values (a 1-D tensor is one column)
   * @returns this scaler
   */
  fit(x: unknown): this {
    const m = asMatrix(x, { perChannel: this.layout.perChannel });
    checkFitData(m);
    const mean = new Float64Array(m.cols);
    const sq = new Float64Array(m.cols);
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) mean[c]! += m.data[r * m.cols + c]!;
    for (let c = 0; c < m.cols; c++) mean[c]! /= m.rows;
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) {
        const d = m.data[r * m.cols + c]! - mean[c]!;
        sq[c]! += d * d;
      }
    const std = sq.map((s) => {
      const v = Math.sqrt(s / m.rows);
      return v > 0 ? v : 1;
    });
    this.means = mean;
    this.stds = std;
    this.layout = fittedLayout(m, this.layout.perChannel);
    return this;
  }

  /**
   * Scales `x` with the fitted statistics.
   * @param x - `[rows, features]` with the fitted number of columns (a 1-D tensor of that length is one row)
   * @returns a new Tensor of the same shape
   */
  transform(x: unknown): Tensor {
    if (!this.means || !this.stds) throw notFitted('StandardScaler');
    const m = asMatrix(x, this.layout, this.means.length);
    checkWidth(m, this.means.length, this.layout);
    const scale = this.stds.map((s) => 1 / s);
    const offset = this.means.map((mu, c) => -mu * scale[c]!);
    return affine(m, scale, offset);
  }

  /**
   * Undoes {@link transform}: `x * std + mean`.
   * @param x - scaled values `[rows, features]`
   * @returns a new Tensor of the same shape
   */
  inverseTransform(x: unknown): Tensor {
    if (!this.means || !this.stds) throw notFitted('StandardScaler');
    const m = asMatrix(x, this.layout, this.means.length);
    checkWidth(m, this.means.length, this.layout);
    return affine(m, this.stds, this.means);
  }

  /** {@link fit} then {@link transform} on the same data. */
  fitTransform(x: unknown): Tensor {
    return this.fit(x).transform(x);
  }

  /** The fitted statistics as plain JSON (for saving alongside a model). */
  toJSON(): StandardScalerJSON {
    if (!this.means || !this.stds) throw notFitted('StandardScaler');
    return {
      type: 'standardScaler',
      mean: Array.from(this.means),
      std: Array.from(this.stds),
      ...layoutJSON(this.layout),
    };
  }

  /**
   * A scaler from {@link toJSON}'s output.
   * @param json - `{ type: 'standardScaler', mean: number[], std: number[] }` (std values > 0)
   */
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    if (!isPlainObject(json) || json.type !== 'standardScaler')
      throw typeError("an object from StandardScaler's toJSON()", 'json', json);
    const mean = numberList(json.mean, 'json.mean');
    const std = numberList(json.std, 'json.std', mean.length, true);
    const s = new StandardScaler();
    s.layout = layoutFromJSON(json, mean.length);
    s.means = mean;
    s.stds = std;
    return s;
  }
}

/** Options of {@link MinMaxScaler} and {@link minMaxScale}. */
export interface MinMaxScalerOptions {
  /** The value the smallest fitted value of each column maps to (default 0). */
  min?: number;
  /** The value the largest fitted value of each column maps to (default 1); greater than `min`. */
  max?: number;
  /** As {@link StandardScalerOptions.perChannel}: ranges per channel (last axis) of N-D data (default false). */
  perChannel?: boolean;
}

/** The serialised form of a {@link MinMaxScaler}. */
export interface MinMaxScalerJSON {
  type: 'minMaxScaler';
  min: number;
  max: number;
  /** Column minimums of the fitted data. */
  dataMin: number[];
  /** Column maximums of the fitted data. */
  dataMax: number[];
  /** Present and true when the ranges are per channel (last axis). */
  perChannel?: boolean;
  /** The per-sample shape fitted on, when it had more than one axis (per-feature ranges). */
  sampleShape?: number[];
}

function parseRange(options: unknown, argument: string): { min: number; max: number } {
  const opts = checkOptions(options, argument);
  checkKnownKeys(opts, ['min', 'max', 'perChannel'], argument);
  const min = opts.min === undefined ? 0 : checkNumber(opts.min, `${argument}.min`);
  const max = opts.max === undefined ? 1 : checkNumber(opts.max, `${argument}.max`);
  if (!(max > min)) throw rangeError(`a number greater than min (${min})`, `${argument}.max`, max);
  return { min, max };
}

/**
 * Scales columns linearly so the fitted data's column minimum maps to `min` and maximum to `max`
 * (default [0, 1]), like scikit-learn's `MinMaxScaler`. A constant column maps to `min`. Values
 * outside the fitted range map outside [min, max] (no clipping).
 *
 * @example
 * ```ts
 * const scaler = new nn.data.MinMaxScaler({ min: -1, max: 1 }).fit(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
export class MinMaxScaler {
  /** The target range's lower end. */
  readonly min: number;
  /** The target range's upper end. */
  readonly max: number;
  private lows?: Float64Array;
  private highs?: Float64Array;
  private layout: Layout;

  /** @param options - `min` (default 0) and `max` (default 1), with max > min; `perChannel` (default false) */
  constructor(options?: MinMaxScalerOptions) {
    ({ min: this.min, max: this.max } = parseRange(options, 'options'));
    this.layout = { perChannel: parsePerChannel(checkOptions(options, 'options'), 'options') };
  }

  /** True when the ranges are per channel (the last axis) of N-D data. */
  get perChannel(): boolean {
    return this.layout.perChannel;
  }

  /** True once fitted. */
  get fitted(): boolean {
    return this.lows !== undefined;
  }

  /** The number of feature columns fitted on. */
  get features(): number {
    if (!this.lows) throw notFitted('MinMaxScaler');
    return this.lows.length;
  }

  /** Column minimums of the fitted data (a copy). */
  get dataMin(): Float64Array {
    if (!this.lows) throw notFitted('MinMaxScaler');
    return this.lows.slice();
  }

  /** Column maximums of the fitted data (a copy). */
  get dataMax(): Float64Array {
    if (!this.highs) throw notFitted('MinMaxScaler');
    return this.highs.slice();
  }

  /**
   * Computes each column's minimum and maximum.
   * @param x - `[rows, features]` or `[rows, ...sampleShape]` with finite values (a 1-D tensor is one column)
   * @returns this scaler
   */
  fit(x: unknown): this {
    const m = asMatrix(x, { perChannel: this.layout.perChannel });
    checkFitData(m);
    const lo = new Float64Array(m.cols).fill(Infinity);
    const hi = new Float64Array(m.cols).fill(-Infinity);
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) {
        const v = m.data[r * m.cols + c]!;
        if (v < lo[c]!) lo[c] = v;
        if (v > hi[c]!) hi[c] = v;
      }
    this.lows = lo;
    this.highs = hi;
    this.layout = fittedLayout(m, this.layout.perChannel);
    return this;
  }

  private coefficients(): { scale: Float64Array; offset: Float64Array } {
    if (!this.lows || !this.highs) throw notFitted('MinMaxScaler');
    const lo = this.lows;
    const hi = this.highs;
    const scale = lo.map((l, c) => {
      const range = hi[c]! - l;
      return (this.max - this.min) / (range > 0 ? range : 1);
    });
    const offset = lo.map((l, c) => this.min - l * scale[c]!);
    return { scale, offset };
  }

  /**
   * Scales `x` with the fitted ranges.
   * @param x - `[rows, features]` with the fitted number of columns (a 1-D tensor of that length is one row)
   * @returns a new Tensor of the same shape
   */
  transform(x: unknown): Tensor {
    const { scale, offset } = this.coefficients();
    const m = asMatrix(x, this.layout, scale.length);
    checkWidth(m, scale.length, this.layout);
    return affine(m, scale, offset);
  }

  /**
   * Undoes {@link transform}.
   * @param x - scaled values `[rows, features]`
   * @returns a new Tensor of the same shape
   */
  inverseTransform(x: unknown): Tensor {
    const { scale, offset } = this.coefficients();
    const m = asMatrix(x, this.layout, scale.length);
    checkWidth(m, scale.length, this.layout);
    const inv = scale.map((s) => 1 / s);
    return affine(
      m,
      inv,
      offset.map((o, c) => -o * inv[c]!),
    );
  }

  /** {@link fit} then {@link transform} on the same data. */
  fitTransform(x: unknown): Tensor {
    return this.fit(x).transform(x);
  }

  /** The target range and fitted column ranges as plain JSON. */
  toJSON(): MinMaxScalerJSON {
    if (!this.lows || !this.highs) throw notFitted('MinMaxScaler');
    return {
      type: 'minMaxScaler',
      min: this.min,
      max: this.max,
      dataMin: Array.from(this.lows),
      dataMax: Array.from(this.highs),
      ...layoutJSON(this.layout),
    };
  }

  /**
   * A scaler from {@link toJSON}'s output.
   * @param json - `{ type: 'minMaxScaler', min, max, dataMin: number[], dataMax: number[] }`
   */
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    if (!isPlainObject(json) || json.type !== 'minMaxScaler')
      throw typeError("an object from MinMaxScaler's toJSON()", 'json', json);
    const s = new MinMaxScaler(parseRange({ min: json.min, max: json.max }, 'json'));
    const lo = numberList(json.dataMin, 'json.dataMin');
    const hi = numberList(json.dataMax, 'json.dataMax', lo.length);
    for (let c = 0; c < lo.length; c++)
      if (hi[c]! < lo[c]!) throw rangeError(`a number >= json.dataMin[${c}] (${lo[c]})`, `json.dataMax[${c}]`, hi[c]);
    s.layout = layoutFromJSON(json, lo.length);
    s.lows = lo;
    s.highs = hi;
    return s;
  }
}

/**
 * Standardises the columns of `x` (zero mean, unit population variance) and returns the fitted
 * scaler, to apply the same scaling to other data (`scaler.transform(xTest)`).
 *
 * @param x - `[rows, features]` or `[rows, ...sampleShape]` with finite values (a 1-D tensor is one column)
 * @param options - `perChannel` (default false)
 * @returns `{ x: scaled copy, scaler: StandardScaler }`
 * @example
 * ```ts
 * const { x: xTrainScaled, scaler } = nn.data.standardize(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
export function standardize(x: unknown, options?: StandardScalerOptions): { x: Tensor; scaler: StandardScaler } {
  const scaler = new StandardScaler(options);
  return { x: scaler.fitTransform(x), scaler };
}

/**
 * Scales the columns of `x` into [min, max] (default [0, 1]) and returns the fitted scaler, to
 * apply the same scaling to other data.
 *
 * @param x - `[rows, features]` with finite values (a 1-D tensor is one column)
 * @param options - `min` (default 0), `max` (default 1)
 * @returns `{ x: scaled copy, scaler: MinMaxScaler }`
 */
export function minMaxScale(x: unknown, options?: MinMaxScalerOptions): { x: Tensor; scaler: MinMaxScaler } {
  const scaler = new MinMaxScaler(options);
  return { x: scaler.fitTransform(x), scaler };
}
