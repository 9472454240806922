/**
 * The quantized model: inference only (predict, predictAsync, evaluate, summary), over the native
 * QuantizedNetwork (int8 weights, 8-bit activations; native/nn/quantized.h).
 */
import { expectedMessage, rangeError } from '../errors.js';
import type { Logs } from '../callbacks.js';
import { batchShape, product, type Shape } from '../layers/base.js';
import { ACTIVATIONS, type LossName, type MetricName, lossId, metricId } from '../names.js';
import { native } from '../native.js';
import { Tensor, outputStorage, toTensor } from '../tensor.js';
import { checkInteger, checkKnownKeys, checkOptions } from '../validate.js';
import type { QuantizedOp } from './plan.js';

/** An activation's 8-bit quantization: real = scale * (q - zeroPoint). */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** Everything a quantized model is made of (what save writes and the native network is built from). */
export interface QuantizedDescription {
  inputShape: Shape;
  outputShape: Shape;
  mode: 'static' | 'dynamic';
  perChannel: boolean;
  /** Static mode: the input's quantization. */
  input?: QuantParams;
  /** Per op; `out` is the static quantization of its 8-bit output (absent for the float output of the last). */
  ops: (QuantizedOp & { out?: QuantParams; label: string })[];
  compile?: { loss: LossName; metrics: MetricName[] };
  /** Measured on the calibration set when quantized: outputs against the float model's. */
  calibrationError?: { maxAbs: number; meanAbs: number; argmaxAgreement: number; samples: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeQuantized = any;

const notForQuantized = (what: string) =>
  new Error(
    `${what} is not available on a QuantizedModel (inference only): change the float model and quantize it again`,
  );

export class QuantizedModel {
  private readonly handle: NativeQuantized;
  readonly inputShape: Shape;
  readonly outputShape: Shape;

  constructor(readonly description: QuantizedDescription) {
    this.inputShape = [...description.inputShape];
    this.outputShape = [...description.outputShape];
    const d = description;
    this.handle = new native.QuantizedModel({
      inputSize: product(d.inputShape),
      dynamic: d.mode === 'dynamic',
      inputScale: d.input?.scale,
      inputZeroPoint: d.input?.zeroPoint,
      ops: d.ops.map((o, i) => ({
        kind: o.kind,
        window: o.window,
        units: o.units,
        weights: o.weights,
        weightScale: o.weightScale,
        bias: o.bias,
        activation: o.activation ? ACTIVATIONS.indexOf(o.activation) : 0,
        floatOut:
          i === d.ops.length - 1 ||
          d.mode === 'dynamic' ||
          (o.activation !== undefined && !['linear', 'relu'].includes(o.activation)),
        outScale: o.out?.scale,
        outZeroPoint: o.out?.zeroPoint,
      })),
    });
  }

  /** Number of input values per sample. */
  get inputDim(): number {
    return product(this.inputShape);
  }
  get outputDim(): number {
    return product(this.outputShape);
  }
  /** The int8 kernel variant the weights are packed for ('avx512-vnni', 'avx2-int16', 'neon-dot', 'scalar', ...). */
  get kernel(): string {
    return this.handle.kernel();
  }

  private prepareX(x: unknown, argument = 'x'): Tensor {
    let t = toTensor(x, argument);
    const d = this.inputDim;
    if (t.rank === 1 && t.size === d) t = t.reshape([1, ...this.inputShape]);
    const received = `a tensor of shape [${t.shape.join(', ')}]`;
    const sample = t.shape.slice(1);
    if (t.rank < 2 || batchShape(sample) !== batchShape(this.inputShape))
      throw new RangeError(expectedMessage(`a tensor of shape ${batchShape(this.inputShape)}`, argument, received));
    if (t.shape[0] === 0) throw new RangeError(expectedMessage('at least one sample', argument, received));
    return t;
  }

  /** Outputs for x ([n, ...outputShape]; probabilities after a final softmax or sigmoid). Synchronous. */
  predict(x: unknown, options?: { out?: Tensor | Float32Array }): Tensor {
    const tx = this.prepareX(x);
    const rows = tx.shape[0]!;
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['out'], 'predict options');
    const out = o.out === undefined ? undefined : outputStorage(o.out, rows, this.outputDim, 'options.out');
    return new Tensor(this.handle.predict(tx.data, rows, out), [rows, ...this.outputShape]);
  }

  /** Like {@link predict}, off the main thread; x is copied when the call starts. */
  async predictAsync(x: unknown): Promise<Tensor> {
    const tx = this.prepareX(x);
    const rows = tx.shape[0]!;
    const out: Float32Array = await this.handle.predictAsync(tx.data, rows);
    return new Tensor(out, [rows, ...this.outputShape]);
  }

  /** Loss (on the outputs; no regularization terms) and the compiled metrics over x, y. */
  evaluate(x: unknown, y: unknown, options: { batchSize?: number } = {}): Logs {
    const o = checkOptions(options, 'options');
    checkKnownKeys(o, ['batchSize'], 'evaluate options');
    if (o.batchSize !== undefined) checkInteger(o.batchSize, 'batchSize', { min: 1 });
    const c = this.description.compile;
    if (!c) throw new Error('The model was not compiled when it was quantized: evaluate needs its loss');
    const tx = this.prepareX(x);
    const n = tx.shape[0]!;
    let ty = toTensor(y, 'y');
    const out = this.outputDim;
    if (c.loss === 'sparseCategoricalCrossentropy') {
      if (ty.rank === 2 && ty.shape[1] === 1) ty = ty.reshape([ty.shape[0]!]);
      if (ty.rank !== 1)
        throw new RangeError(
          expectedMessage('class ids of shape [n] or [n, 1]', 'y', `a tensor of shape [${ty.shape.join(', ')}]`),
        );
      for (let i = 0; i < ty.size; i++) {
        const v = ty.data[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= out)
          throw rangeError(`class ids that are integers from 0 to ${out - 1}`, `y[${i}]`, v);
      }
    } else {
      if (ty.rank === 1 && out === 1) ty = ty.reshape([ty.size, 1]);
      if (ty.rank !== 2 || ty.shape[1] !== out)
        throw new RangeError(
          expectedMessage(
            `targets of shape [n, ${out}] (the model's outputs)`,
            'y',
            `a tensor of shape [${ty.shape.join(', ')}]`,
          ),
        );
    }
    if (ty.shape[0] !== n)
      throw new RangeError(expectedMessage(`${n} targets (one per sample of x)`, 'y', `${ty.shape[0]} targets`));
    const r = this.handle.evaluate(tx.data, ty.data, n, lossId(c.loss), c.metrics.map(metricId));
    const logs: Logs = { loss: r.loss };
    c.metrics.forEach((m, i) => (logs[m] = r.metrics[i]));
    return logs;
  }

  /** A table of the ops: output shape, weight scales and their error, the 8-bit activations' scale and zero point. */
  summary(print = true): string {
    const d = this.description;
    const fmt = (v: number) =>
      v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(2);
    const rows: string[][] = [
      [
        'Op (float layers)',
        'Output shape',
        'Weight scales (min..max)',
        'Weight error (rel RMS / max)',
        'Output scale / zero point',
      ],
    ];
    d.ops.forEach((o) => {
      let wscale = '',
        werr = '';
      if (o.weightScale) {
        let lo = Infinity,
          hi = 0;
        for (const s of o.weightScale) {
          lo = Math.min(lo, s);
          hi = Math.max(hi, s);
        }
        wscale = `${fmt(lo)}..${fmt(hi)}`;
        werr = `${fmt(o.weightError!.relRms)} / ${fmt(o.weightError!.maxAbs)}`;
      }
      const outq = o.out ? `${fmt(o.out.scale)} / ${o.out.zeroPoint}` : d.mode === 'dynamic' ? 'per batch' : 'float';
      rows.push([o.label, `[null, ${o.outShape.join(', ')}]`, wscale, werr, outq]);
    });
    const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)) + 2);
    const line = (r: string[]) => r.map((cell, j) => cell.padEnd(widths[j]!)).join('');
    const sep = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const e = d.calibrationError;
    const text = [
      sep,
      `QuantizedModel: int8 weights (${d.perChannel ? 'per channel' : 'per tensor'}), u8 activations (${d.mode}), kernel ${this.kernel}`,
      d.input ? `Input scale / zero point: ${fmt(d.input.scale)} / ${d.input.zeroPoint}` : 'Input: quantized per batch',
      line(rows[0]!),
      '='.repeat(sep.length),
      ...rows.slice(1).map(line),
      '='.repeat(sep.length),
      e
        ? `Against the float model on ${e.samples} calibration samples: max |error| ${fmt(e.maxAbs)}, mean |error| ${fmt(e.meanAbs)}, same argmax ${(100 * e.argmaxAgreement).toFixed(2)}%`
        : '',
      sep,
    ].join('\n');
    if (print) console.log(text);
    return text;
  }

  /** Saves to a folder (model.json with format version and SHA-256, weights.bin); nn.loadModel reads it back. */
  async save(dir: string): Promise<void> {
    const { saveQuantized } = await import('./io.js');
    await saveQuantized(this, dir);
  }

  /** Writes a QDQ ONNX file (QuantizeLinear / DequantizeLinear, per-axis weight scales) that onnxruntime runs. */
  async exportOnnx(file: string): Promise<void> {
    const { exportQuantizedOnnx } = await import('./onnx.js');
    await exportQuantizedOnnx(this, file);
  }

  fit(): never {
    throw notForQuantized('fit');
  }
  setWeights(): never {
    throw notForQuantized('setWeights');
  }
  compile(): never {
    throw notForQuantized('compile');
  }
}
