// One description of a layer stack, turned into simdnn layers (through the public
// nn.layers factories of API.md), into float64 reference layers (reference-conv.ts)
// and into the JSON the PyTorch scripts in test/python read.
import * as nn from '../lib/index.js';
import type { Act } from './reference.js';
import { type Padding, type RefConvLayer, axisGeometry } from './reference-conv.js';

export type LayerSpec =
  | {
      type: 'conv2d' | 'conv1d';
      filters: number;
      kernelSize: number[];
      strides?: number[];
      dilation?: number[];
      padding?: Padding;
      act?: Act;
      useBias?: boolean;
      kernelRegularizer?: { l1: number; l2: number };
      biasRegularizer?: { l1: number; l2: number };
    }
  | {
      type: 'maxPooling2d' | 'averagePooling2d' | 'maxPooling1d' | 'averagePooling1d';
      poolSize: number[];
      strides?: number[];
      padding?: Padding;
    }
  | { type: 'globalAveragePooling2d' | 'globalMaxPooling2d' | 'globalAveragePooling1d' | 'globalMaxPooling1d' }
  | { type: 'flatten' }
  | { type: 'reshape'; targetShape: number[] }
  | { type: 'dense'; units: number; act?: Act; useBias?: boolean }
  | { type: 'activation'; act: Act }
  | { type: 'dropout'; rate: number };

type AnyLayer = ReturnType<typeof nn.layers.dense>;
type Factory = (options?: Record<string, unknown>) => AnyLayer;

/**
 * The layer factories API.md names for convolutional models. Typed loosely here so this file compiles
 * against a library whose declarations predate them; a missing factory fails the test that uses it.
 */
export function layerFactory(type: string): Factory {
  const f = (nn.layers as unknown as Record<string, Factory | undefined>)[type];
  if (typeof f !== 'function') throw new Error(`nn.layers.${type} is not available in this build`);
  return f;
}

/** Whether every layer factory these tests need exists (false before the conv layers are merged). */
export const HAS_CONV_LAYERS = [
  'conv2d',
  'conv1d',
  'maxPooling2d',
  'averagePooling2d',
  'maxPooling1d',
  'averagePooling1d',
  'globalAveragePooling2d',
  'globalMaxPooling2d',
  'globalAveragePooling1d',
  'flatten',
  'reshape',
].every((t) => typeof (nn.layers as unknown as Record<string, unknown>)[t] === 'function');

/** The simdnn layer of a spec; `inputShape` for the first layer. */
export function nnLayer(spec: LayerSpec, inputShape?: number[]): AnyLayer {
  const first = inputShape ? { inputShape } : {};
  switch (spec.type) {
    case 'conv2d':
    case 'conv1d':
      return layerFactory(spec.type)({
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        ...(spec.strides ? { strides: spec.strides } : {}),
        ...(spec.dilation ? { dilationRate: spec.dilation } : {}),
        ...(spec.padding ? { padding: spec.padding } : {}),
        activation: spec.act ?? 'linear',
        useBias: spec.useBias ?? true,
        ...(spec.kernelRegularizer ? { kernelRegularizer: nn.regularizers.l1l2(spec.kernelRegularizer) } : {}),
        ...(spec.biasRegularizer ? { biasRegularizer: nn.regularizers.l1l2(spec.biasRegularizer) } : {}),
        ...first,
      });
    case 'maxPooling2d':
    case 'averagePooling2d':
    case 'maxPooling1d':
    case 'averagePooling1d':
      return layerFactory(spec.type)({
        poolSize: spec.poolSize,
        ...(spec.strides ? { strides: spec.strides } : {}),
        ...(spec.padding ? { padding: spec.padding } : {}),
        ...first,
      });
    case 'globalAveragePooling2d':
    case 'globalMaxPooling2d':
    case 'globalAveragePooling1d':
    case 'globalMaxPooling1d':
    case 'flatten':
      return layerFactory(spec.type)(inputShape ? { inputShape } : undefined);
    case 'reshape':
      return layerFactory('reshape')({ targetShape: spec.targetShape, ...first });
    case 'dense':
      return nn.layers.dense({
        units: spec.units,
        activation: spec.act ?? 'linear',
        useBias: spec.useBias ?? true,
        ...first,
      });
    case 'activation':
      return nn.layers.activation({ activation: spec.act });
    case 'dropout':
      return nn.layers.dropout({ rate: spec.rate });
  }
}

/** A window option in full: one entry per spatial axis. */
function full(v: number[] | undefined, axes: number, fallback: number[] | number): number[] {
  const f = typeof fallback === 'number' ? Array(axes).fill(fallback) : fallback;
  return v ?? f;
}

function axesOf(type: string): number {
  return type.endsWith('1d') ? 1 : 2;
}

/** The spec with every default made explicit (what the reference and the torch scripts read). */
export function explicit(spec: LayerSpec): LayerSpec {
  switch (spec.type) {
    case 'conv2d':
    case 'conv1d': {
      const a = axesOf(spec.type);
      return {
        ...spec,
        strides: full(spec.strides, a, 1),
        dilation: full(spec.dilation, a, 1),
        padding: spec.padding ?? 'valid',
        act: spec.act ?? 'linear',
        useBias: spec.useBias ?? true,
      };
    }
    case 'maxPooling2d':
    case 'averagePooling2d':
    case 'maxPooling1d':
    case 'averagePooling1d':
      return {
        ...spec,
        strides: full(spec.strides, axesOf(spec.type), spec.poolSize),
        padding: spec.padding ?? 'valid',
      };
    case 'dense':
      return { ...spec, act: spec.act ?? 'linear', useBias: spec.useBias ?? true };
    default:
      return spec;
  }
}

/** The sample shape out of a spec for a sample shape in (TensorFlow's rule), without running anything. */
export function specOutputShape(spec: LayerSpec, input: number[]): number[] {
  const s = explicit(spec);
  switch (s.type) {
    case 'conv2d':
    case 'conv1d':
    case 'maxPooling2d':
    case 'averagePooling2d':
    case 'maxPooling1d':
    case 'averagePooling1d': {
      const a = axesOf(s.type);
      const k = 'kernelSize' in s ? s.kernelSize : s.poolSize;
      const d = 'dilation' in s ? s.dilation! : [1, 1];
      const spatial = input.slice(0, a).map((v, i) => axisGeometry(v, k[i]!, s.strides![i]!, d[i]!, s.padding!).out);
      return [...spatial, 'filters' in s ? s.filters : input[a]!];
    }
    case 'globalAveragePooling2d':
    case 'globalMaxPooling2d':
    case 'globalAveragePooling1d':
    case 'globalMaxPooling1d':
      return [input[input.length - 1]!];
    case 'flatten':
      return [input.reduce((x, y) => x * y, 1)];
    case 'reshape':
      return s.targetShape;
    case 'dense':
      return [s.units];
    case 'activation':
    case 'dropout':
      return input;
  }
}

/** Weight shapes of a stack in getWeights() order. */
export function weightShapes(specs: LayerSpec[], inputShape: number[]): number[][] {
  const shapes: number[][] = [];
  let shape = inputShape;
  for (const raw of specs) {
    const s = explicit(raw);
    if (s.type === 'conv2d' || s.type === 'conv1d') {
      shapes.push([...s.kernelSize, shape[shape.length - 1]!, s.filters]);
      if (s.useBias) shapes.push([s.filters]);
    } else if (s.type === 'dense') {
      shapes.push([shape.reduce((a, b) => a * b, 1), s.units]);
      if (s.useBias) shapes.push([s.units]);
    }
    shape = specOutputShape(s, shape);
  }
  return shapes;
}

/** Reference layers of a stack holding float64 copies of `weights` (in getWeights() order). */
export function refLayers(specs: LayerSpec[], weights: ArrayLike<number>[]): RefConvLayer[] {
  let k = 0;
  const next = () => Float64Array.from(weights[k++]!);
  return specs.map((raw): RefConvLayer => {
    const s = explicit(raw);
    switch (s.type) {
      case 'conv2d':
      case 'conv1d': {
        const kernel = next();
        const bias = s.useBias ? next() : null;
        return {
          type: s.type,
          kernel,
          bias,
          filters: s.filters,
          kernelSize: s.kernelSize,
          strides: s.strides!,
          dilation: s.dilation!,
          padding: s.padding!,
          act: s.act!,
          ...(s.kernelRegularizer ? { kernelRegularizer: s.kernelRegularizer } : {}),
          ...(s.biasRegularizer ? { biasRegularizer: s.biasRegularizer } : {}),
        };
      }
      case 'maxPooling2d':
      case 'averagePooling2d':
      case 'maxPooling1d':
      case 'averagePooling1d':
        return { type: s.type, poolSize: s.poolSize, strides: s.strides!, padding: s.padding! };
      case 'dense': {
        const kernel = next();
        const bias = s.useBias ? next() : null;
        return { type: 'dense', kernel, bias, units: s.units, act: s.act! };
      }
      case 'dropout':
        // The identity outside training (predict, evaluate and computeGradients).
        return { type: 'activation', act: 'linear' };
      default:
        return s;
    }
  });
}

/** The layer list the torch scripts read. */
export function torchLayers(specs: LayerSpec[]): LayerSpec[] {
  return specs.map(explicit);
}
