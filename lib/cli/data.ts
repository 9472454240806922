/** Training data for the CLI: a bundled data set by name, or a CSV file; and whether it is classification. */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readCsv } from '../data/csv.js';
import { breastCancer, digits, iris, wine, type Dataset } from '../datasets.js';
import { expectedMessage } from '../errors.js';
import { Tensor } from '../tensor.js';
import { UsageError, suggest } from './args.js';

export const DATASETS = ['digits', 'iris', 'wine', 'breast-cancer'] as const;
const LOADERS: Record<(typeof DATASETS)[number], () => Dataset> = {
  digits,
  iris,
  wine,
  'breast-cancer': breastCancer,
};
const ALIASES: Record<string, (typeof DATASETS)[number]> = {
  breastCancer: 'breast-cancer',
  breast_cancer: 'breast-cancer',
};

export type Task = 'classification' | 'regression';

export interface TrainingData {
  /** A short name for messages and titles. */
  name: string;
  x: Tensor;
  /** Class ids (classification) or target values (regression), `[n]`. */
  y: Tensor;
  task: Task;
  /** Class names by id (classification). */
  classNames?: string[];
  featureNames: string[];
  targetName?: string;
  /** 0-based position of the target column in the CSV file, when known. */
  targetPosition?: number;
  /** How the task was chosen, for the user. */
  taskReason: string;
}

/** The most distinct integer values a numeric target may have to count as class labels. */
const MAX_INTEGER_CLASSES = 100;

/** Loads `--data`; `target` and `task` come from the flags. */
export function loadTrainingData(data: string, target: string | undefined, task: Task | 'auto'): TrainingData {
  const named = ALIASES[data] ?? (DATASETS as readonly string[]).find((d) => d === data);
  const isFile = existsSync(data) && statSync(data).isFile();
  if (named && !isFile) {
    if (target !== undefined)
      throw new UsageError(
        expectedMessage(
          'no --target with a bundled data set (it applies to CSV files)',
          '--target',
          JSON.stringify(target),
        ),
        'train',
      );
    if (task === 'regression')
      throw new UsageError(
        expectedMessage('classification for a bundled data set', '--task', JSON.stringify(task)),
        'train',
      );
    const d = LOADERS[named as (typeof DATASETS)[number]]();
    return {
      name: named,
      x: d.x,
      y: d.y,
      task: 'classification',
      classNames: d.classNames,
      featureNames: d.featureNames,
      taskReason: 'a bundled classification data set',
    };
  }
  if (!isFile) {
    const hint = suggest(data, DATASETS);
    throw new UsageError(
      expectedMessage(
        `one of ${DATASETS.join(', ')} or the path of a CSV file`,
        '--data',
        `${JSON.stringify(data)}${existsSync(data) ? ' (not a file)' : hint ? ` (did you mean ${hint}?)` : ' (no such file)'}`,
      ),
      'train',
    );
  }
  let targetOption: string | number | undefined = target;
  if (target !== undefined && /^-?\d+$/.test(target)) targetOption = Number(target);
  const csv = readCsv(data, targetOption === undefined ? {} : { target: targetOption });
  const width = csv.columns.length + 1;
  const targetPosition =
    targetOption === undefined
      ? width - 1
      : typeof targetOption === 'number'
        ? targetOption < 0
          ? width + targetOption
          : targetOption
        : undefined;
  const base = {
    name: basename(data),
    x: csv.x,
    featureNames: csv.columns,
    targetName: csv.targetColumn,
    targetPosition,
  };
  if (csv.classNames) {
    if (task === 'regression')
      throw new UsageError(
        expectedMessage(
          'a numeric target column for --task regression',
          `column ${JSON.stringify(csv.targetColumn)} of ${data}`,
          `text values such as ${JSON.stringify(csv.classNames[0])}`,
        ),
        'train',
      );
    return {
      ...base,
      y: csv.y,
      task: 'classification',
      classNames: csv.classNames,
      taskReason: `the target column ${JSON.stringify(csv.targetColumn)} holds text labels`,
    };
  }
  const values = csv.y.data;
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const integers = values.every((v) => Number.isInteger(v));
  const looksCategorical = integers && distinct.length <= MAX_INTEGER_CLASSES && distinct.length >= 2;
  const chosen: Task = task === 'auto' ? (looksCategorical ? 'classification' : 'regression') : task;
  if (chosen === 'regression')
    return {
      ...base,
      y: csv.y,
      task: 'regression',
      taskReason:
        task === 'regression'
          ? '--task regression'
          : `the target column ${JSON.stringify(csv.targetColumn)} holds ${integers ? `${distinct.length} distinct integers` : 'non-integer numbers'} (--task classification to override)`,
    };
  if (!integers)
    throw new UsageError(
      expectedMessage(
        'integer class labels for --task classification',
        `column ${JSON.stringify(csv.targetColumn)} of ${data}`,
        'non-integer numbers',
      ),
      'train',
    );
  // Class ids 0..k-1 in order of the distinct values; the values themselves are the class names.
  const index = new Map(distinct.map((v, i) => [v, i]));
  const ids = Float32Array.from(values, (v) => index.get(v)!);
  return {
    ...base,
    y: new Tensor(ids, [ids.length]),
    task: 'classification',
    classNames: distinct.map(String),
    taskReason:
      task === 'classification'
        ? '--task classification'
        : `the target column ${JSON.stringify(csv.targetColumn)} holds ${distinct.length} distinct integers (--task regression to override)`,
  };
}
