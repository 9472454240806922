/** `nn.optimizers`: the optimizer factories. */
export { gd, sgd, adam, adamw, rmsprop, adagrad } from './optimizers.js';
