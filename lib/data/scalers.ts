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

/**
 * `[n, features]` as is; a 1-D tensor is one column, or one row when `features` (the fitted
 * width) is greater than 1 and matches its length.
 */
function asMatrix(x: unknown, features?: number): Matrix {
  const t = toTensor(x, 'x');
  if (t.rank === 2) return { data: t.data, rows: t.shape[0]!, cols: t.shape[1]!, shape: t.shape };
  if (t.rank === 1) {
    if (features !== undefined && features > 1 && t.size === features)
      return { data: t.data, rows: 1, cols: t.size, shape: t.shape };
    return { data: t.data, rows: t.size, cols: 1, shape: t.shape };
  }
  throw new RangeError(
    expectedMessage('a 2-D tensor [rows, features]', 'x', `a tensor of shape [${t.shape.join(', ')}]`),
  );
}

function checkWidth(m: Matrix, features: number): void {
  if (m.cols !== features)
    throw new RangeError(
      expectedMessage(`${features} feature column${features === 1 ? '' : 's'} (as fitted)`, 'x', `a tensor of shape [${m.shape.join(', ')}]`),
    );
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
   * @param x - `[rows, features]` with finite values (a 1-D tensor is one column)
   * @returns this scaler
   */
  fit(x: unknown): this {
    const m = asMatrix(x);
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
    return this;
  }

  /**
   * Scales `x` with the fitted statistics.
   * @param x - `[rows, features]` with the fitted number of columns (a 1-D tensor of that length is one row)
   * @returns a new Tensor of the same shape
   */
  transform(x: unknown): Tensor {
    if (!this.means || !this.stds) throw notFitted('StandardScaler');
    const m = asMatrix(x, this.means.length);
    checkWidth(m, this.means.length);
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
    const m = asMatrix(x, this.means.length);
    checkWidth(m, this.means.length);
    return affine(m, this.stds, this.means);
  }

  /** {@link fit} then {@link transform} on the same data. */
  fitTransform(x: unknown): Tensor {
    return this.fit(x).transform(x);
  }

  /** The fitted statistics as plain JSON (for saving alongside a model). */
  toJSON(): StandardScalerJSON {
    if (!this.means || !this.stds) throw notFitted('StandardScaler');
    return { type: 'standardScaler', mean: Array.from(this.means), std: Array.from(this.stds) };
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
}

function parseRange(options: unknown, argument: string): { min: number; max: number } {
  const opts = checkOptions(options, argument);
  checkKnownKeys(opts, ['min', 'max'], argument);
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

  /** @param options - `min` (default 0) and `max` (default 1), with max > min */
  constructor(options?: MinMaxScalerOptions) {
    ({ min: this.min, max: this.max } = parseRange(options, 'options'));
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
   * @param x - `[rows, features]` with finite values (a 1-D tensor is one column)
   * @returns this scaler
   */
  fit(x: unknown): this {
    const m = asMatrix(x);
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
    const m = asMatrix(x, scale.length);
    checkWidth(m, scale.length);
    return affine(m, scale, offset);
  }

  /**
   * Undoes {@link transform}.
   * @param x - scaled values `[rows, features]`
   * @returns a new Tensor of the same shape
   */
  inverseTransform(x: unknown): Tensor {
    const { scale, offset } = this.coefficients();
    const m = asMatrix(x, scale.length);
    checkWidth(m, scale.length);
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
    s.lows = lo;
    s.highs = hi;
    return s;
  }
}

/**
 * Standardises the columns of `x` (zero mean, unit population variance) and returns the fitted
 * scaler, to apply the same scaling to other data (`scaler.transform(xTest)`).
 *
 * @param x - `[rows, features]` with finite values (a 1-D tensor is one column)
 * @returns `{ x: scaled copy, scaler: StandardScaler }`
 * @example
 * ```ts
 * const { x: xTrainScaled, scaler } = nn.data.standardize(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
export function standardize(x: unknown): { x: Tensor; scaler: StandardScaler } {
  const scaler = new StandardScaler();
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
