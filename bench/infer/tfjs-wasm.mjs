// TensorFlow.js inference on its WebAssembly backend, one thread (see tfjs.mjs).
import { inferTfjs } from './tfjs.mjs';

export const run = (p) => inferTfjs('wasm', p);
