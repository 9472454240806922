/**
 * `nn.datasets`: small real data sets bundled in the package's `data/` folder (digits, iris, wine,
 * breast cancer; see data/README.md for their sources), and Fashion-MNIST from a system package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from './data/csv.js';
import { loadIdxDataset, type IdxDataset } from './data/idx.js';
import { typeError } from './errors.js';
import { Tensor } from './tensor.js';
import { checkBoolean, checkKnownKeys, checkNumber, checkOptions } from './validate.js';

/** A bundled classification data set. */
export interface Dataset {
  /** Features, `[samples, features]` (float32). */
  x: Tensor;
  /** Class ids `[samples]` (float32 values 0, 1, …), indexing `classNames`. */
  y: Tensor;
  /** The class names, by class id. */
  classNames: string[];
  /** The feature names, by column (as scikit-learn names them). */
  featureNames: string[];
}

/** Parsed data, kept once per process; callers get copies. */
interface Cached {
  x: Float32Array;
  features: number;
  y: Float32Array;
  classNames: string[];
  featureNames: string[];
}

/** The package's `data/` folder: lib/ and dist/ both sit one level under the package root. */
const dataDir = new URL('../data/', import.meta.url);
const cache = new Map<string, Cached>();

function dataFile(name: string): string {
  return fileURLToPath(new URL(name, dataDir));
}

function fresh(c: Cached, sampleShape: number[] = [c.features]): Dataset {
  const n = c.y.length;
  return {
    x: new Tensor(c.x.slice(), [n, ...sampleShape]),
    y: new Tensor(c.y.slice(), [n]),
    classNames: c.classNames.slice(),
    featureNames: c.featureNames.slice(),
  };
}

function checkClasses(file: string, y: Float32Array, classes: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes)
      throw new Error(`Corrupt data file ${file}: row ${i + 1} has class ${v}, outside 0..${classes - 1}`);
  }
}

/** A bundled file whose first line is `rows,features,className,...`, then rows of features and a class id. */
function loadCounted(key: string, file: string, featureNames: string[]): Dataset {
  let c = cache.get(key);
  if (!c) {
    const path = dataFile(file);
    const text = readFileSync(path, 'utf8');
    const newline = text.indexOf('\n');
    const first = text.slice(0, newline).trim().split(',');
    const rows = Number(first[0]);
    const features = Number(first[1]);
    const classNames = first.slice(2);
    const csv = readCsv(text.slice(newline + 1), { header: false });
    if (csv.x.shape[0] !== rows || csv.x.shape[1] !== features || features !== featureNames.length)
      throw new Error(
        `Corrupt data file ${path}: expected ${rows} rows of ${features} features, found [${csv.x.shape.join(', ')}]`,
      );
    checkClasses(path, csv.y.data, classNames.length);
    c = { x: csv.x.data, features, y: csv.y.data, classNames, featureNames };
    cache.set(key, c);
  }
  return fresh(c);
}

/** Options of {@link digits}. */
export interface DigitsOptions {
  /** `true`: `x` is `[1797, 8, 8, 1]` (images, channels last, for conv2d); default `false`: `[1797, 64]`. */
  images?: boolean;
}

/**
 * Handwritten digits (UCI "Optical Recognition of Handwritten Digits", the scikit-learn `load_digits`
 * set): 1797 images of 8x8 pixels with counts 0..16, flattened row by row, and their digit 0..9.
 * With `{ images: true }` the same values come as `[1797, 8, 8, 1]` images (rows, columns, one channel).
 *
 * @param options - `images` (default false)
 * @returns `{ x: [1797, 64] or [1797, 8, 8, 1], y: [1797] class ids 0..9, classNames: ['0', …, '9'], featureNames: ['pixel_0_0', …] }`
 * @example
 * ```ts
 * const { x, y } = nn.datasets.digits();
 * const yOneHot = nn.data.oneHot(y, 10);
 * const { x: images } = nn.datasets.digits({ images: true }); // for conv2d({ inputShape: [8, 8, 1], ... })
 * ```
 */
export function digits(options?: DigitsOptions): Dataset {
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['images'], 'options');
  const images = opts.images === undefined ? false : checkBoolean(opts.images, 'options.images');
  let c = cache.get('digits');
  if (!c) {
    const path = dataFile('digits.csv.gz');
    const csv = readCsv(path, { header: false });
    if (csv.x.shape[1] !== 64)
      throw new Error(`Corrupt data file ${path}: expected 64 features, found ${csv.x.shape[1]}`);
    checkClasses(path, csv.y.data, 10);
    const featureNames: string[] = [];
    for (let r = 0; r < 8; r++) for (let col = 0; col < 8; col++) featureNames.push(`pixel_${r}_${col}`);
    c = {
      x: csv.x.data,
      features: 64,
      y: csv.y.data,
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
      featureNames,
    };
    cache.set('digits', c);
  }
  return fresh(c, images ? [8, 8, 1] : [64]);
}

/**
 * Fisher's iris flowers: 150 samples, 4 measurements in cm, 3 species (50 each).
 *
 * @returns `{ x: [150, 4], y: [150] class ids 0..2, classNames: ['setosa', 'versicolor', 'virginica'], featureNames }`
 */
export function iris(): Dataset {
  return loadCounted('iris', 'iris.csv', [
    'sepal length (cm)',
    'sepal width (cm)',
    'petal length (cm)',
    'petal width (cm)',
  ]);
}

/**
 * UCI wine recognition: 178 wines, 13 chemical measurements, 3 cultivars (59, 71 and 48 samples).
 *
 * @returns `{ x: [178, 13], y: [178] class ids 0..2, classNames: ['class_0', 'class_1', 'class_2'], featureNames }`
 */
export function wine(): Dataset {
  return loadCounted('wine', 'wine_data.csv', [
    'alcohol',
    'malic_acid',
    'ash',
    'alcalinity_of_ash',
    'magnesium',
    'total_phenols',
    'flavanoids',
    'nonflavanoid_phenols',
    'proanthocyanins',
    'color_intensity',
    'hue',
    'od280/od315_of_diluted_wines',
    'proline',
  ]);
}

/**
 * UCI breast cancer Wisconsin (diagnostic): 569 tumours, 30 cell-nucleus measurements
 * (mean, standard error and worst of 10 quantities), 212 malignant (class 0) and 357 benign (class 1).
 *
 * @returns `{ x: [569, 30], y: [569] class ids 0..1, classNames: ['malignant', 'benign'], featureNames }`
 */
export function breastCancer(): Dataset {
  const quantities = [
    'radius',
    'texture',
    'perimeter',
    'area',
    'smoothness',
    'compactness',
    'concavity',
    'concave points',
    'symmetry',
    'fractal dimension',
  ];
  const names = [
    ...quantities.map((q) => `mean ${q}`),
    ...quantities.map((q) => `${q} error`),
    ...quantities.map((q) => `worst ${q}`),
  ];
  return loadCounted('breastCancer', 'breast_cancer.csv', names);
}

/** Options of {@link fashionMnist}. */
export interface FashionMnistOptions {
  /** The folder with the four IDX files (gzip or not). Default `/usr/share/datasets/fashion-mnist`. */
  dir?: string;
  /** Factor applied to the pixels (default 1/255: values 0..1). */
  scale?: number;
  /** `true`: images `[n, 28, 28, 1]` (channels last, for conv2d); default `false`: flat rows `[n, 784]`. */
  images?: boolean;
}

/** Fashion-MNIST's two parts and class names. */
export interface FashionMnist {
  /** 60,000 images `x: [60000, 784]` (`[60000, 28, 28, 1]` with `images`) and class ids `y: [60000]`. */
  train: IdxDataset;
  /** 10,000 images `x: [10000, 784]` (`[10000, 28, 28, 1]` with `images`) and class ids `y: [10000]`. */
  test: IdxDataset;
  /** The 10 class names, by class id. */
  classNames: string[];
}

const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * Fashion-MNIST (Zalando, MIT licence): 28x28 grey images of clothing in 10 classes, 60,000 for
 * training and 10,000 for testing, read from IDX files. Not bundled: install Debian's package with
 * `apt-get install dataset-fashion-mnist`, or download the four files into a folder and pass `dir`.
 * Read afresh on every call (about 220 MB of float32).
 *
 * @param options - `dir` (default `/usr/share/datasets/fashion-mnist`), `scale` (default 1/255), `images`
 *   (default false: flat rows; true: `[n, 28, 28, 1]`)
 * @returns `{ train: { x, y, imageShape }, test: { x, y, imageShape }, classNames }`
 * @throws Error saying how to install the data when a file is missing
 * @example
 * ```ts
 * const { train, test } = nn.datasets.fashionMnist();
 * await model.fit(train.x, nn.data.oneHot(train.y, 10), { epochs: 5, batchSize: 128 });
 * ```
 */
export function fashionMnist(options?: FashionMnistOptions): FashionMnist {
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['dir', 'scale', 'images'], 'options');
  const images = opts.images === undefined ? false : checkBoolean(opts.images, 'options.images');
  const dir = opts.dir === undefined ? '/usr/share/datasets/fashion-mnist' : opts.dir;
  if (typeof dir !== 'string' || dir === '') throw typeError('a folder path', 'options.dir', dir);
  const scale = opts.scale === undefined ? 1 / 255 : checkNumber(opts.scale, 'options.scale');
  const find = (base: string): string => {
    for (const name of [`${base}.gz`, base]) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    throw new Error(
      `Fashion-MNIST not found: ${join(dir, `${base}.gz`)} is missing. Install it with ` +
        '`apt-get update && apt-get install -y dataset-fashion-mnist` (files go to /usr/share/datasets/fashion-mnist), ' +
        'or pass { dir } naming a folder with the four IDX files.',
    );
  };
  const files = {
    trainImages: find('train-images-idx3-ubyte'),
    trainLabels: find('train-labels-idx1-ubyte'),
    testImages: find('t10k-images-idx3-ubyte'),
    testLabels: find('t10k-labels-idx1-ubyte'),
  };
  return {
    train: loadIdxDataset(files.trainImages, files.trainLabels, { scale, images }),
    test: loadIdxDataset(files.testImages, files.testLabels, { scale, images }),
    classNames: FASHION_CLASSES.slice(),
  };
}
