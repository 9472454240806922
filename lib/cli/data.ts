/** Training data for the CLI: a bundled data set by name, or a CSV file; and whether it is classification. */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readCsv } from '../data/csv.js';
import { gatherRows } from '../data/rows.js';
import { permutation } from '../data/random.js';
import { breastCancer, digits, fashionMnist, iris, wine, type Dataset } from '../datasets.js';
import { expectedMessage } from '../errors.js';
import { Tensor } from '../tensor.js';
import { UsageError, suggest } from './args.js';

export const DATASETS = ['digits', 'fashion-mnist', 'iris', 'wine', 'breast-cancer'] as const;
type Bundled = Exclude<(typeof DATASETS)[number], 'fashion-mnist'>;
const LOADERS: Record<Bundled, () => Dataset> = {
  digits,
  iris,
  wine,
  'breast-cancer': breastCancer,
};
const ALIASES: Record<string, (typeof DATASETS)[number]> = {
  breastCancer: 'breast-cancer',
  breast_cancer: 'breast-cancer',
  fashionMnist: 'fashion-mnist',
  fashion_mnist: 'fashion-mnist',
  fashion: 'fashion-mnist',
};
/** The sample shape of the data sets whose rows are images (used when --layers starts with image layers). */
const IMAGE_SHAPES: Partial<Record<(typeof DATASETS)[number], number[]>> = {
  digits: [8, 8, 1],
  'fashion-mnist': [28, 28, 1],
};
/** Where Debian's dataset-fashion-mnist package puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

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
  /** `[h, w, c]` when each row is an image (row-major pixels, channels last). */
  imageShape?: number[];
  /** A test set that comes with the data (Fashion-MNIST's 10,000 images); no split is made then. */
  test?: { x: Tensor; y: Tensor };
}

/** Where the data comes from and how much of it to use (the flags). */
export interface DataOptions {
  target?: string;
  task: Task | 'auto';
  /** Fashion-MNIST's folder (default FASHION_MNIST_DIR). */
  dataDir?: string;
  /** Use at most this many samples (a seeded random subset; Fashion-MNIST: of its training part, and a sixth as many test images). */
  maxSamples?: number;
  seed: number;
}

/** A seeded random subset of `count` rows (in their original order). */
function subset(x: Tensor, y: Tensor, count: number, seed: number): { x: Tensor; y: Tensor } {
  const n = x.shape[0]!;
  if (count >= n) return { x, y };
  const rows = permutation(n, seed).slice(0, count).sort();
  return { x: gatherRows(x, rows), y: gatherRows(y, rows) };
}

function loadFashionMnist(opts: DataOptions): TrainingData {
  const dir = opts.dataDir ?? FASHION_MNIST_DIR;
  let f: ReturnType<typeof fashionMnist>;
  try {
    f = fashionMnist({ dir });
  } catch (err) {
    const e = err as Error;
    if (!/not found/.test(e.message)) throw err;
    const missing = /: (\S+) is missing/.exec(e.message)?.[1] ?? dir;
    throw new Error(
      `Fashion-MNIST not found: ${missing} is missing. It comes with the Debian package dataset-fashion-mnist ` +
        '(apt-get install dataset-fashion-mnist puts the files in ' +
        `${FASHION_MNIST_DIR}); or pass --data-dir DIR naming a folder with the four IDX files ` +
        '(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)',
      { cause: err },
    );
  }
  let train = { x: f.train.x, y: f.train.y };
  let test = { x: f.test.x, y: f.test.y };
  if (opts.maxSamples !== undefined) {
    train = subset(train.x, train.y, opts.maxSamples, opts.seed);
    test = subset(test.x, test.y, Math.max(1, Math.ceil(opts.maxSamples / 6)), (opts.seed + 1) % 2 ** 32);
  }
  const featureNames: string[] = [];
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) featureNames.push(`pixel_${r}_${c}`);
  return {
    name: 'fashion-mnist',
    x: train.x,
    y: train.y,
    task: 'classification',
    classNames: f.classNames,
    featureNames,
    taskReason: `a classification data set (${dir})`,
    imageShape: [28, 28, 1],
    test,
  };
}

/** The most distinct integer values a numeric target may have to count as class labels. */
const MAX_INTEGER_CLASSES = 100;

/** Loads `--data`, then keeps at most `maxSamples` of it. */
export function loadTrainingData(data: string, opts: DataOptions): TrainingData {
  const d = loadAll(data, opts);
  if (opts.maxSamples === undefined || d.test) return d;
  return { ...d, ...subset(d.x, d.y, opts.maxSamples, opts.seed) };
}

function loadAll(data: string, { target, task, ...opts }: DataOptions): TrainingData {
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
    if (named === 'fashion-mnist') return loadFashionMnist({ target, task, ...opts });
    const d = LOADERS[named as Bundled]();
    return {
      name: named,
      x: d.x,
      y: d.y,
      task: 'classification',
      classNames: d.classNames,
      featureNames: d.featureNames,
      taskReason: 'a bundled classification data set',
      ...(IMAGE_SHAPES[named as Bundled] ? { imageShape: IMAGE_SHAPES[named as Bundled] } : {}),
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
