/** `nn.regularizers`: the regularizer factories. */
export { l1, l2, l1l2 } from './regularizers.js';
