/**
 * `nn.data`: splitting, cross-validation folds, label encoding, feature scaling and file loaders.
 * Everything here runs in JavaScript; shuffles use a seeded generator ({@link Random}) so a `seed`
 * (or the global seed from `setSeed`) makes every split reproducible.
 */
export { Random, permutation } from './random.js';
export { gatherRows, take } from './rows.js';
export { oneHot, argMax } from './labels.js';
export { trainTestSplit, type TrainTestSplit, type TrainTestSplitOptions } from './split.js';
export { kFold, stratifiedKFold, type Fold, type KFoldOptions } from './folds.js';
export {
  StandardScaler,
  MinMaxScaler,
  standardize,
  minMaxScale,
  type StandardScalerJSON,
  type MinMaxScalerJSON,
  type MinMaxScalerOptions,
  type StandardScalerOptions,
} from './scalers.js';
export { readCsv, type ReadCsvOptions, type CsvData } from './csv.js';
export { readIdx, loadIdxDataset, type LoadIdxOptions, type IdxDataset } from './idx.js';
export {
  crossValidate,
  summarizeFolds,
  type ModelFactory,
  type ModelFactoryReference,
  type CrossValidateOptions,
  type CrossValidateFold,
  type CrossValidateResult,
} from '../cross-validate.js';
