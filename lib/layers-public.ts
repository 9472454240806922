/** `nn.layers`: the layer factories. */
export { dense, dropout, activation } from './layers.js';
