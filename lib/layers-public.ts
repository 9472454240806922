/** `nn.layers`: the layer factories. */
export {
  activation,
  averagePooling1d,
  averagePooling2d,
  conv1d,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAveragePooling1d,
  globalAveragePooling2d,
  globalMaxPooling1d,
  globalMaxPooling2d,
  maxPooling1d,
  maxPooling2d,
  reshape,
} from './layers.js';
