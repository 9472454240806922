/**
 * `nn.layers`: every layer factory, by family (lib/layers/*.ts), and the registry that maps a layer's type
 * to its shape inference, weights, native spec and JSON form.
 */
import { rangeError } from './errors.js';
import { type Layer, type LayerConfig, layerKind, layerTypes } from './layers/base.js';

export { Layer, type LayerConfig, type LayerType, type Shape } from './layers/base.js';
export { type DenseOptions, activation, dense, dropout } from './layers/core.js';
export { type ConvOptions, conv1d, conv2d } from './layers/conv.js';
export {
  type PoolingOptions,
  averagePooling1d,
  averagePooling2d,
  globalAveragePooling1d,
  globalAveragePooling2d,
  globalMaxPooling1d,
  globalMaxPooling2d,
  maxPooling1d,
  maxPooling2d,
} from './layers/pooling.js';
export { flatten, reshape } from './layers/reshape.js';
export {
  type BatchNormalizationOptions,
  type LayerNormalizationOptions,
  batchNormalization,
  layerNormalization,
} from './layers/normalization.js';

/** Rebuilds a layer from its JSON description (validated again). @internal */
export function layerFromJSON(c: LayerConfig): Layer {
  const kind = layerKind((c as { type?: unknown })?.type);
  if (!kind)
    throw rangeError(
      `a layer type (${layerTypes()
        .map((t) => JSON.stringify(t))
        .join(', ')})`,
      'layer.type',
      (c as { type?: unknown })?.type,
    );
  const layer = kind.fromJSON(c);
  if ((c as { trainable?: unknown }).trainable === false) layer.trainable = false;
  return layer;
}
