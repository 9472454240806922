/** `nn.schedules`: learning-rate schedules for any optimizer's `schedule` option. */
export { constant, exponentialDecay, stepDecay, cosineDecay } from './schedules.js';
