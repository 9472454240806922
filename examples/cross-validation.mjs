// 5-fold cross-validation on the wine data set: a fresh model per fold, standardization fitted on
// each fold's training part only, folds stratified by class. Then the same on worker threads.
// Run: node examples/cross-validation.mjs   (after `npm run build`; in your project, import from 'simdnn')
import * as nn from '../dist/index.js';
import { buildClassifier } from './model-factory.mjs';

const { x, y } = nn.datasets.wine();
const options = { folds: 5, standardize: true, seed: 1, fit: { epochs: 60, batchSize: 16 } };

const cv = await nn.data.crossValidate((fold) => buildClassifier(fold), x, y, options);
for (const f of cv.folds) console.log(`fold ${f.fold + 1}: accuracy ${f.metrics.accuracy.toFixed(3)}`);
console.log(`mean accuracy: ${cv.mean.accuracy.toFixed(3)} ± ${cv.std.accuracy.toFixed(3)} (${cv.folds.length} folds)`);

// Parallel: name the factory by module and export; each worker thread imports it.
const factory = { module: new URL('./model-factory.mjs', import.meta.url), exportName: 'buildClassifier' };
const parallel = await nn.data.crossValidate(factory, x, y, { ...options, parallel: true });
console.log(`parallel: ${parallel.mean.accuracy.toFixed(3)} ± ${parallel.std.accuracy.toFixed(3)}`);
