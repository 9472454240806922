/** `simdnn train`: standardize, hold out a test set, cross-validate, train the final model, save. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Callback, Logs } from '../callbacks.js';
import { learningCurveSvg } from '../chart.js';
import { crossValidate, summarizeFolds, type CrossValidateFold } from '../cross-validate.js';
import { StandardScaler } from '../data/scalers.js';
import { trainTestSplit } from '../data/split.js';
import { ACTIVATIONS } from '../names.js';
import { Tensor } from '../tensor.js';
import { Flags, parse } from './args.js';
import { loadTrainingData, type TrainingData } from './data.js';
import { TRAIN_HELP } from './help.js';
import { parseLayers } from './layer-spec.js';
import { buildModel, describeSpec, OPTIMIZER_NAMES, type ModelSpec } from './model-spec.js';
import { PREPROCESSING_FILE, type Preprocessing } from './preprocessing.js';

const OPTIONS = {
  data: { type: 'string' },
  target: { type: 'string' },
  task: { type: 'string' },
  layers: { type: 'string' },
  activation: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  l1: { type: 'string' },
  l2: { type: 'string' },
  dropout: { type: 'string' },
  folds: { type: 'string' },
  parallel: { type: 'boolean' },
  seed: { type: 'string' },
  'test-size': { type: 'string' },
  'data-dir': { type: 'string' },
  'max-samples': { type: 'string' },
  out: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Settings of one `simdnn train` run, from the flags. */
interface Settings {
  data: string;
  target?: string;
  task: 'auto' | 'classification' | 'regression';
  /** The --layers text (parsed once the data's shape is known). */
  layers: string;
  spec: Omit<ModelSpec, 'task' | 'inputDim' | 'inputShape' | 'outputs' | 'layers'>;
  dataDir?: string;
  maxSamples?: number;
  epochs: number;
  batchSize: number;
  folds: number;
  parallel: boolean;
  seed: number;
  testSize: number;
  out?: string;
  verbose: boolean;
}

function readSettings(argv: string[]): Settings | undefined {
  const { values } = parse('train', argv, OPTIONS);
  if (values.help) return undefined;
  const f = new Flags(values, 'train');
  const fashion = /^fashion/i.test(String(values.data ?? ''));
  const optimizer = f.choice('optimizer', OPTIMIZER_NAMES, 'adam');
  const slow = optimizer === 'sgd' || optimizer === 'gd' || optimizer === 'adagrad';
  return {
    data: f.required('data', 'a data set name (digits, fashion-mnist, iris, wine, breast-cancer) or a CSV file'),
    target: f.string('target'),
    task: f.choice('task', ['auto', 'classification', 'regression'] as const, 'auto'),
    layers: f.string('layers') ?? (values.layers === '' ? 'none' : '128'),
    dataDir: f.string('data-dir'),
    maxSamples: f.has('max-samples') ? f.integer('max-samples', 0, { min: 1, max: 2 ** 31 - 1 }) : undefined,
    spec: {
      activation: f.choice(
        'activation',
        ACTIVATIONS.filter((a) => a !== 'softmax'),
        'relu',
      ),
      optimizer,
      learningRate: f.number('lr', slow ? 0.05 : 0.003, { min: 0, minExclusive: true, max: 100 }),
      l1: f.number('l1', 0, { min: 0 }),
      l2: f.number('l2', 1e-4, { min: 0 }),
      dropout: f.number('dropout', 0, { min: 0, max: 0.95 }),
    },
    epochs: f.integer('epochs', fashion ? 5 : 50, { min: 1, max: 1e6 }),
    batchSize: f.integer('batch-size', 32, { min: 1, max: 2 ** 31 - 1 }),
    folds: f.integer('folds', fashion ? 0 : 5, { min: 0, max: 1000 }),
    parallel: f.bool('parallel'),
    seed: f.integer('seed', 1, { min: 0, max: 2 ** 32 - 1 }),
    testSize: f.number('test-size', 0.2, { min: 0, max: 0.9 }),
    out: f.string('out'),
    verbose: f.bool('verbose'),
  };
}

/** 4 significant digits, without exponent for ordinary magnitudes. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(3);
  if (a >= 1000) return v.toFixed(1);
  return String(Number(v.toPrecision(4)));
}

function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)}s`;
}

/** The scores printed for a fold or the test set, in the target's units. */
function scores(task: TrainingData['task'], logs: Logs, targetStd: number): Logs {
  if (task === 'classification') return { accuracy: logs.accuracy!, loss: logs.loss! };
  return { mse: logs.mse! * targetStd * targetStd, mae: logs.mae! * targetStd };
}

function formatScores(task: TrainingData['task'], s: Logs): string {
  if (task === 'classification') return `accuracy ${s.accuracy!.toFixed(4)}  loss ${s.loss!.toFixed(4)}`;
  return `mse ${formatScore(s.mse!)}  mae ${formatScore(s.mae!)}`;
}

/** An epoch counter on one terminal line (only on a TTY); `label(run)` names the n-th training run. */
function progressLine(label: (run: number) => string, epochs: number): Callback | undefined {
  if (!process.stdout.isTTY) return undefined;
  let run = -1;
  return {
    onTrainBegin() {
      run++;
    },
    onEpochEnd(epoch: number, logs: Logs) {
      const loss = logs.loss === undefined ? '' : ` - loss ${logs.loss.toFixed(4)}`;
      process.stdout.write(`\r\x1b[K  ${label(run)}: epoch ${epoch + 1}/${epochs}${loss}`);
    },
    onTrainEnd() {
      process.stdout.write('\r\x1b[K');
    },
  };
}

export async function train(argv: string[]): Promise<void> {
  const s = readSettings(argv);
  if (!s) {
    process.stdout.write(TRAIN_HELP);
    return;
  }
  const start = performance.now();
  const data = loadTrainingData(s.data, {
    target: s.target,
    task: s.task,
    dataDir: s.dataDir,
    maxSamples: s.maxSamples,
    seed: s.seed,
  });
  const n = data.x.shape[0]! + (data.test?.x.shape[0] ?? 0);
  const features = data.x.shape[1]!;
  const classification = data.task === 'classification';
  const classes = data.classNames?.length ?? 0;
  const { items, inputShape } = parseLayers(s.layers, { name: data.name, features, imageShape: data.imageShape });
  const images = inputShape.length > 1;
  /** Standardized flat rows -> the model's samples. */
  const shaped = (t: Tensor) => (images ? t.reshape([t.shape[0]!, ...inputShape]) : t);
  console.log(
    `data: ${data.name} - ${n} samples, ${features} features${images ? ` (images ${inputShape.join('x')})` : ''}, ${
      classification ? `${classes} classes (classification: ${data.taskReason})` : `regression (${data.taskReason})`
    }`,
  );
  if (classification && classes < 2) throw new Error(`The target has only ${classes} class; at least 2 are needed`);

  // Held-out test set (stratified for classification).
  let xTrain = data.x;
  let yTrain = data.y;
  let xTest: Tensor | undefined;
  let yTest: Tensor | undefined;
  if (data.test) {
    if (s.testSize !== 0.2 && s.testSize !== 0)
      console.log(`--test-size ignored: ${data.name} comes with its own test set`);
    ({ x: xTest, y: yTest } = data.test);
  } else if (s.testSize > 0) {
    const split = trainTestSplit(data.x, data.y, { testSize: s.testSize, seed: s.seed, stratify: classification });
    ({ xTrain, yTrain, xTest, yTest } = split);
  }
  const nTrain = xTrain.shape[0]!;
  console.log(
    `split: ${nTrain} training, ${xTest?.shape[0] ?? 0} test samples${classification && xTest && !data.test ? ' (stratified)' : ''}${data.test ? ` (${data.name}'s own test set)` : ''}, seed ${s.seed}; features standardized on training data only`,
  );

  // Regression targets are standardized (on the training part); scores are converted back.
  let targetMean = 0;
  let targetStd = 1;
  if (!classification) {
    const t = new StandardScaler().fit(yTrain.reshape([nTrain, 1]));
    targetMean = t.mean[0]!;
    targetStd = t.std[0]!;
  }
  const scaleTarget = (y: Tensor) =>
    classification
      ? y
      : new Tensor(
          Float32Array.from(y.data, (v) => (v - targetMean) / targetStd),
          [y.shape[0]!],
        );

  const spec: ModelSpec = {
    ...s.spec,
    layers: items,
    task: data.task,
    inputDim: features,
    inputShape,
    outputs: classification ? classes : 1,
  };
  console.log(`model: ${describeSpec(spec)}; ${s.epochs} epochs, batch ${s.batchSize}`);
  const fitOptions = {
    epochs: s.epochs,
    batchSize: s.batchSize,
    seed: s.seed,
    verbose: s.verbose ? (2 as const) : (0 as const),
  };

  // k-fold cross-validation on the training part.
  let cvSummary: Record<string, unknown> | undefined;
  if (s.folds >= 2) {
    if (s.folds > nTrain) throw new Error(`--folds ${s.folds} is more than the ${nTrain} training samples`);
    console.log(`cross-validation: ${s.folds} folds on the training part${s.parallel ? ' (worker threads)' : ''}`);
    const cvStart = performance.now();
    const foldScores: { metrics: Logs }[] = [];
    const onFoldEnd = (r: CrossValidateFold) => {
      const sc = scores(data.task, r.metrics, targetStd);
      foldScores.push({ metrics: sc });
      console.log(`  fold ${r.fold + 1}/${s.folds}: ${formatScores(data.task, sc)}  (${r.seconds.toFixed(1)}s)`);
    };
    const progress =
      s.parallel || s.verbose ? undefined : progressLine((run) => `fold ${run + 1}/${s.folds}`, s.epochs);
    await crossValidate(
      s.parallel
        ? { module: new URL('./model-spec.js', import.meta.url), exportName: 'buildModel', options: spec }
        : (fold: number) => buildModel(fold, spec),
      shaped(xTrain),
      scaleTarget(yTrain),
      {
        folds: s.folds,
        seed: s.seed,
        shuffle: true,
        standardize: true,
        parallel: s.parallel,
        fit: progress ? { ...fitOptions, callbacks: [progress] } : fitOptions,
        onFoldEnd,
      },
    );
    const { mean, std } = summarizeFolds(foldScores);
    if (classification)
      console.log(`mean accuracy: ${mean.accuracy!.toFixed(3)} ± ${std.accuracy!.toFixed(3)} (${s.folds} folds)`);
    else console.log(`mean loss (mse): ${formatScore(mean.mse!)} ± ${formatScore(std.mse!)} (${s.folds} folds)`);
    console.log(`  cross-validation took ${seconds(cvStart)}`);
    cvSummary = { folds: s.folds, mean, std };
  }

  // The final model, on the whole training part.
  const scaler = new StandardScaler();
  const xTrainS = shaped(scaler.fitTransform(xTrain));
  const xTestS = xTest ? shaped(scaler.transform(xTest)) : undefined;
  const yTrainS = scaleTarget(yTrain);
  const yTestS = yTest ? scaleTarget(yTest) : undefined;
  console.log(`final model: training on ${nTrain} samples`);
  const finalStart = performance.now();
  const model = buildModel(0, spec);
  const progress = s.verbose ? undefined : progressLine(() => 'final model', s.epochs);
  const history = await model.fit(xTrainS, yTrainS, {
    ...fitOptions,
    ...(xTestS && yTestS ? { validationData: [xTestS, yTestS] as [Tensor, Tensor] } : {}),
    ...(progress ? { callbacks: [progress] } : {}),
  });
  console.log(`  training took ${seconds(finalStart)}`);
  let testScores: Logs | undefined;
  if (xTestS && yTestS) {
    testScores = scores(data.task, await model.evaluateAsync(xTestS, yTestS), targetStd);
    if (classification) console.log(`test accuracy: ${testScores.accuracy!.toFixed(3)}`);
    else console.log(`test loss (mse): ${formatScore(testScores.mse!)}  (mae ${formatScore(testScores.mae!)})`);
  }

  if (s.out) {
    const dir = resolve(s.out);
    await mkdir(dir, { recursive: true });
    await model.save(dir);
    const pre: Preprocessing = {
      format: 'simdnn-preprocessing',
      version: 1,
      task: data.task,
      featureNames: data.featureNames,
      ...(images ? { inputShape } : {}),
      scaler: scaler.toJSON(),
      target: classification
        ? { name: data.targetName, position: data.targetPosition, classNames: data.classNames }
        : { name: data.targetName, position: data.targetPosition, mean: targetMean, std: targetStd },
      training: {
        data: s.data,
        ...(s.maxSamples !== undefined ? { maxSamples: s.maxSamples } : {}),
        samples: n,
        trainSamples: nTrain,
        testSamples: xTest?.shape[0] ?? 0,
        seed: s.seed,
        epochs: s.epochs,
        batchSize: s.batchSize,
        model: spec,
        crossValidation: cvSummary,
        test: testScores,
      },
    };
    await writeFile(join(dir, PREPROCESSING_FILE), JSON.stringify(pre, null, 2) + '\n');
    const hidden = spec.layers.length ? `--layers ${s.layers} (${spec.activation})` : 'no hidden layer';
    const title = `${data.name} · ${hidden} · ${spec.optimizer} lr ${spec.learningRate}${xTestS ? ' · validation = held-out test set' : ''}`;
    await writeFile(join(dir, 'learning-curve.svg'), learningCurveSvg(history, { title }));
    console.log(`saved: ${dir} (model, ${PREPROCESSING_FILE}, learning-curve.svg)`);
  } else {
    console.log('not saved (pass --out DIR to save the model, its preprocessing and learning-curve.svg)');
  }
  console.log(`done in ${seconds(start)}`);
}
