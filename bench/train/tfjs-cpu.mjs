// TensorFlow.js with its pure-JavaScript "cpu" backend (see tfjs.mjs).
import { trainTfjs } from './tfjs.mjs';

export const run = (p) => trainTfjs('cpu', p);
