/**
 * What the server needs of a model: the shape of one input sample and an asynchronous predict over a
 * batch. A Sequential fits, and so does any other model object with `predictAsync(x)` and `inputShape`
 * (a quantized model, say): x is a Tensor [n, ...inputShape], the result a Tensor-like { data, shape }
 * of n rows or a Float32Array of n rows.
 */
import { describe, expectedMessage } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { RowTransform } from './preprocess.js';

/** A model object the server can call. */
export interface ServableModel {
  readonly inputShape: readonly number[] | undefined;
  readonly outputShape?: readonly number[] | undefined;
  predictAsync(x: Tensor): Promise<{ data: Float32Array; shape?: readonly number[] } | Float32Array>;
}

/** Whether `v` can be served (has predictAsync and an input shape). */
export function isServable(v: unknown): v is ServableModel {
  if (v === null || typeof v !== 'object') return false;
  const m = v as Partial<ServableModel>;
  return typeof m.predictAsync === 'function' && 'inputShape' in m;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A loaded model as the server uses it: fixed shapes and a predict over flat rows. */
export class Servable {
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  /** The shape of one output sample, once known (models without outputShape learn it on the first call). */
  outputShape: readonly number[] | undefined;

  constructor(
    readonly model: ServableModel,
    readonly version: number,
    where: string,
    /** The folder's preprocessing.json, applied to every row in and out (folders only). */
    readonly transform?: RowTransform,
  ) {
    const shape = model.inputShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && (d as number) > 0))
      throw new TypeError(
        expectedMessage('a model with a known input shape (an array of positive integers)', where, describe(shape)),
      );
    this.inputShape = Object.freeze([...shape]);
    this.inputSize = product(shape);
    const out = model.outputShape;
    this.outputShape = Array.isArray(out) && out.length > 0 ? Object.freeze([...out]) : undefined;
  }

  /** The outputs of `rows` samples stored flat in `x` (n * inputSize values): n * outputSize values. */
  async predictRows(x: Float32Array, rows: number): Promise<Float32Array> {
    const input = this.transform ? this.transform.inputs(x, rows) : x;
    const r = await this.model.predictAsync(new Tensor(input, [rows, ...this.inputShape]));
    const raw = r instanceof Float32Array ? r : r.data;
    const data = this.transform && raw instanceof Float32Array ? this.transform.outputs(raw) : raw;
    if (!(data instanceof Float32Array) || data.length % rows !== 0 || data.length === 0)
      throw new Error(`The model returned ${describe(data)} for ${rows} rows`);
    const per = data.length / rows;
    if (this.outputShape === undefined || product(this.outputShape) !== per) {
      const shape = r instanceof Float32Array ? undefined : r.shape;
      this.outputShape = Object.freeze(
        shape && shape.length > 1 && product(shape.slice(1)) === per ? shape.slice(1) : [per],
      );
    }
    return data;
  }
}
