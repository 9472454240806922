// TensorFlow.js with its pure-JavaScript "cpu" backend (see tfjs.mjs).
import { trainTfjsCnn } from './tfjs.mjs';

export const run = (p) => trainTfjsCnn('cpu', p);
