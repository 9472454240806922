/**
 * From a float model to the ops of a quantized one: batch normalizations folded into the dense / conv layer
 * before them, ReLU (and other activation layers) fused into the product before them, dropout, flatten and
 * reshape as identities, pooling on the 8-bit values; the weights quantized symmetrically to int8, per output
 * channel or per tensor.
 */
import type { Sequential } from '../model.js';
import type { ActivationName } from '../names.js';
import { product } from '../layers/base.js';

/** Native op kinds (native/nn/quantized.h QOpKind). */
export const OP_KIND = { linear: 0, maxPool: 1, avgPool: 2, relu: 3, identity: 4 } as const;
/** Native layer types (native/nn/network.h LayerType) that toNative reports. */
const NT = { dense: 0, dropout: 1, activation: 2, conv: 3, maxPool: 4, avgPool: 5, gap: 6, gmp: 7, reshape: 8, bn: 9 };

export interface QuantizedOp {
  kind: number;
  /** The float model's layers this op stands for (first..last). */
  layers: [number, number];
  /** The float layer whose output this op's output is (for calibration). */
  outPoint: number;
  window?: Record<string, unknown>;
  units?: number;
  weights?: Int8Array;
  weightScale?: Float32Array;
  bias?: Float32Array;
  activation?: ActivationName;
  /** Relative RMS error and largest absolute error of the dequantized weights. */
  weightError?: { relRms: number; maxAbs: number };
  outShape: number[];
}

function quantizeWeights(
  w: Float32Array,
  k: number,
  units: number,
  perChannel: boolean,
): { q: Int8Array; scale: Float32Array; err: { relRms: number; maxAbs: number } } {
  const scale = new Float32Array(units);
  let all = 0;
  for (let i = 0; i < w.length; i++) all = Math.max(all, Math.abs(w[i]!));
  for (let j = 0; j < units; j++) {
    let m = 0;
    if (perChannel) for (let r = 0; r < k; r++) m = Math.max(m, Math.abs(w[r * units + j]!));
    else m = all;
    scale[j] = m > 0 ? m / 127 : 1;
  }
  const q = new Int8Array(w.length);
  let se = 0,
    sw = 0,
    maxAbs = 0;
  for (let r = 0; r < k; r++)
    for (let j = 0; j < units; j++) {
      const i = r * units + j;
      const v = Math.max(-127, Math.min(127, Math.round(w[i]! / scale[j]!)));
      q[i] = v;
      const e = v * scale[j]! - w[i]!;
      se += e * e;
      sw += w[i]! * w[i]!;
      maxAbs = Math.max(maxAbs, Math.abs(e));
    }
  return { q, scale, err: { relRms: sw > 0 ? Math.sqrt(se / sw) : 0, maxAbs } };
}

/** The ops of the quantized form of `model` (built), or an Error naming the layer that cannot be quantized. */
export function planQuantized(model: Sequential, perChannel: boolean): QuantizedOp[] {
  const shapes = model.layerShapes();
  const all = model.getWeights();
  const layers = model.layers;
  const weightsOf: Float32Array[][] = [];
  let at = 0;
  layers.forEach((l, i) => {
    const n = l.weights(shapes[i]!.input).length;
    weightsOf.push(all.slice(at, at + n));
    at += n;
  });
  const ops: QuantizedOp[] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const c = layer.config;
    const input = shapes[i]!.input;
    const spec = layer.toNative(input) as { type: number; window?: Record<string, unknown> };
    const label = `${model.layerLabel(i)} (layer ${i})`;
    if (spec.type === NT.dense || spec.type === NT.conv) {
      const dense = spec.type === NT.dense;
      const units = (dense ? c.units : c.filters)!;
      const kernel = Float32Array.from(weightsOf[i]![0]!);
      const kk = kernel.length / units;
      const bias = c.useBias === false ? new Float32Array(units) : Float32Array.from(weightsOf[i]![1]!);
      let act: ActivationName = c.activation ?? 'linear';
      let j = i + 1;
      const skipDropout = () => {
        while (j < layers.length && layers[j]!.config.type === 'dropout') j++;
      };
      skipDropout();
      if (j < layers.length && layers[j]!.config.type === 'batchNormalization' && act === 'linear') {
        const bc = layers[j]!.config;
        const bw = weightsOf[j]!;
        let p = 0;
        const gamma = bc.scale === false ? undefined : bw[p++];
        const beta = bc.center === false ? undefined : bw[p++];
        const mean = bw[p++]!,
          variance = bw[p]!;
        const eps = bc.epsilon ?? 1e-3;
        for (let f = 0; f < units; f++) {
          const g = (gamma ? gamma[f]! : 1) / Math.sqrt(variance[f]! + eps);
          for (let r = 0; r < kk; r++) kernel[r * units + f]! *= g;
          bias[f] = (bias[f]! - mean[f]!) * g + (beta ? beta[f]! : 0);
        }
        j++;
        skipDropout();
      }
      if (j < layers.length && layers[j]!.config.type === 'activation' && act === 'linear') {
        act = layers[j]!.config.activation ?? 'linear';
        j++;
      }
      const last = j - 1;
      const { q, scale, err } = quantizeWeights(kernel, kk, units, perChannel);
      const window = dense ? { inH: 1, inW: 1, inC: product(input) } : spec.window;
      ops.push({
        kind: OP_KIND.linear,
        layers: [i, last],
        outPoint: last,
        window,
        units,
        weights: q,
        weightScale: scale,
        bias,
        activation: act,
        weightError: err,
        outShape: shapes[last]!.output,
      });
      i = last;
      continue;
    }
    const one = (kind: number, window?: Record<string, unknown>) =>
      ops.push({ kind, layers: [i, i], outPoint: i, window, outShape: shapes[i]!.output });
    if (spec.type === NT.maxPool || spec.type === NT.avgPool)
      one(spec.type === NT.maxPool ? OP_KIND.maxPool : OP_KIND.avgPool, spec.window);
    else if (spec.type === NT.gap || spec.type === NT.gmp) {
      const w = spec.window as { inH: number; inW: number; inC: number };
      one(spec.type === NT.gmp ? OP_KIND.maxPool : OP_KIND.avgPool, { ...w, kH: w.inH, kW: w.inW });
    } else if (spec.type === NT.dropout || spec.type === NT.reshape) one(OP_KIND.identity);
    else if (spec.type === NT.activation && (c.activation === 'relu' || c.activation === 'linear'))
      one(c.activation === 'relu' ? OP_KIND.relu : OP_KIND.identity);
    else if (spec.type === NT.activation)
      throw new RangeError(
        `Cannot quantize ${label}: a separate ${JSON.stringify(c.activation)} activation layer is supported only right after a dense or conv layer without activation (relu and linear anywhere)`,
      );
    else if (spec.type === NT.bn)
      throw new RangeError(
        `Cannot quantize ${label}: a batchNormalization is supported only right after a dense or conv layer without activation (it is folded into it)`,
      );
    else throw new RangeError(`Cannot quantize ${label}: the layer type ${JSON.stringify(c.type)} is not supported`);
  }
  if (!ops.some((o) => o.kind === OP_KIND.linear))
    throw new RangeError('Cannot quantize a model without dense or conv layers');
  return ops;
}
