// TensorFlow.js with its WebAssembly backend, SIMD on, one thread (see tfjs.mjs).
import { trainTfjs } from './tfjs.mjs';

export const run = (p) => trainTfjs('wasm', p);
