// TensorFlow.js with its WebAssembly backend, SIMD on, one thread (see tfjs.mjs).
import { trainTfjsCnn } from './tfjs.mjs';

export const run = (p) => trainTfjsCnn('wasm', p);
