/** model.quantize(): validation, calibration, the quantized ops and the QuantizedModel. */
import { expectedMessage, rangeError, typeError } from '../errors.js';
import { batchShape, product } from '../layers/base.js';
import type { Sequential } from '../model.js';
import { native } from '../native.js';
import { toTensor } from '../tensor.js';
import { checkBoolean, checkChoice, checkKnownKeys, checkNumber, checkOptions } from '../validate.js';
import { OP_KIND, planQuantized } from './plan.js';
import { QuantizedModel, type QuantParams, type QuantizedDescription } from './quantized-model.js';

export interface QuantizeOptions {
  /** Samples [n, ...inputShape] whose activations set the 8-bit ranges (static mode; also the error report). */
  calibration: unknown;
  /** One weight scale per output channel (default true) or one per layer. */
  perChannel?: boolean;
  /** 'static' (default): activation ranges from the calibration data; 'dynamic': from each batch. */
  mode?: 'static' | 'dynamic';
  /** Clip each activation range to this percentile of the calibration values (50 < p < 100) instead of min/max. */
  percentile?: number;
}

/** Asymmetric u8 parameters covering [lo, hi] and 0 (as ONNX's DynamicQuantizeLinear). */
export function chooseParams(lo: number, hi: number): QuantParams {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  let scale = Math.fround((hi - lo) / 255);
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

export async function quantizeModel(
  model: Sequential,
  native_: unknown,
  options: QuantizeOptions,
): Promise<QuantizedModel> {
  if (options === undefined)
    throw typeError('an options object { calibration, perChannel?, mode? }', 'options', options);
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['calibration', 'perChannel', 'mode', 'percentile'], 'quantize options');
  const perChannel = o.perChannel === undefined ? true : checkBoolean(o.perChannel, 'perChannel');
  const mode = o.mode === undefined ? 'static' : checkChoice(o.mode, ['static', 'dynamic'] as const, 'mode');
  const percentile = o.percentile === undefined ? 0 : checkNumber(o.percentile, 'percentile', { min: 50, max: 100 });
  if (!model.built)
    throw new Error('The model must be built (trained, or model.build(inputShape) called) before quantize');
  if (!model.compileConfig)
    throw new Error('The model must be compiled before quantize: call model.compile({ optimizer, loss })');
  if (o.calibration === undefined) throw typeError('calibration samples [n, ...inputShape]', 'calibration', undefined);
  const shape = model.inputShape!;
  let t = toTensor(o.calibration, 'calibration');
  if (t.rank === 1 && t.size === product(shape)) t = t.reshape([1, ...shape]);
  const received = `a tensor of shape [${t.shape.join(', ')}]`;
  if (t.rank < 2 || batchShape(t.shape.slice(1)) !== batchShape(shape))
    throw new RangeError(expectedMessage(`calibration samples of shape ${batchShape(shape)}`, 'calibration', received));
  if (t.shape[0] === 0)
    throw new RangeError(expectedMessage('at least one calibration sample', 'calibration', received));
  for (let i = 0; i < t.size; i++)
    if (!Number.isFinite(t.data[i]!))
      throw rangeError(
        'finite numbers',
        `calibration (value ${i} of sample ${Math.floor(i / product(shape))})`,
        t.data[i],
      );
  const rows = t.shape[0]!;
  const ops = planQuantized(model, perChannel);
  const labels = ops.map((op) => {
    const [a, b] = op.layers;
    const names = [];
    for (let i = a; i <= b; i++) names.push(model.layerLabel(i));
    return names.join(' + ');
  });
  let input: QuantParams | undefined;
  const outs: (QuantParams | undefined)[] = ops.map(() => undefined);
  if (mode === 'static') {
    // The 8-bit points: the input, and every product's output but the last (which stays float).
    const points = [-1];
    ops.forEach((op, i) => {
      if (op.kind === OP_KIND.linear && i < ops.length - 1) points.push(op.outPoint);
    });
    const r: Float32Array = native.calibrationRanges(native_, t.data, rows, points, percentile);
    input = chooseParams(r[0]!, r[1]!);
    let p = 1;
    ops.forEach((op, i) => {
      if (op.kind === OP_KIND.linear && i < ops.length - 1) {
        outs[i] = chooseParams(r[2 * p]!, r[2 * p + 1]!);
        p++;
      }
    });
  }
  const c = model.compileConfig;
  const description: QuantizedDescription = {
    inputShape: [...shape],
    outputShape: model.outputShape!,
    mode,
    perChannel,
    input,
    ops: ops.map((op, i) => ({ ...op, out: outs[i], label: labels[i]! })),
    compile: { loss: c.loss, metrics: [...c.metrics] },
  };
  const q = new QuantizedModel(description);
  // How far the quantized outputs are from the float ones on the calibration samples.
  const yq = q.predict(t).data,
    yf = model.predict(t).data;
  const cols = q.outputDim;
  let maxAbs = 0,
    sumAbs = 0,
    agree = 0;
  for (let r = 0; r < rows; r++) {
    let aq = 0,
      af = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.abs(yq[r * cols + j]! - yf[r * cols + j]!);
      maxAbs = Math.max(maxAbs, e);
      sumAbs += e;
      if (yq[r * cols + j]! > yq[r * cols + aq]!) aq = j;
      if (yf[r * cols + j]! > yf[r * cols + af]!) af = j;
    }
    if (aq === af) agree++;
  }
  description.calibrationError = {
    maxAbs,
    meanAbs: sumAbs / (rows * cols),
    argmaxAgreement: agree / rows,
    samples: rows,
  };
  return q;
}
