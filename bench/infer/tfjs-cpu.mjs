// TensorFlow.js inference on its pure-JavaScript "cpu" backend (see tfjs.mjs).
import { inferTfjs } from './tfjs.mjs';

export const run = (p) => inferTfjs('cpu', p);
