/**
 * `simdnn quantize`: a saved float model quantized to int8 with calibration samples (a bundled data set or a
 * CSV file of feature rows, standardized by the model's preprocessing.json as `simdnn predict` does), saved
 * with its preprocessing so that `simdnn predict` and `simdnn serve` run it.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gatherRows } from '../data/rows.js';
import { permutation } from '../data/random.js';
import { StandardScaler } from '../data/scalers.js';
import { expectedMessage } from '../errors.js';
import { loadModel } from '../io/load.js';
import { Sequential } from '../model.js';
import type { QuantizedModel } from '../quantize/quantized-model.js';
import { Tensor } from '../tensor.js';
import { Flags, UsageError, parse } from './args.js';
import { DATASETS, loadTrainingData } from './data.js';
import { QUANTIZE_HELP } from './help.js';
import { readInput } from './predict.js';
import { PREPROCESSING_FILE, readPreprocessing } from './preprocessing.js';

const OPTIONS = {
  model: { type: 'string' },
  calibration: { type: 'string' },
  out: { type: 'string' },
  samples: { type: 'string' },
  mode: { type: 'string' },
  'per-tensor': { type: 'boolean' },
  percentile: { type: 'string' },
  'data-dir': { type: 'string' },
  seed: { type: 'string' },
  onnx: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALIASES = ['fashion', 'fashionMnist', 'fashion_mnist', 'breastCancer', 'breast_cancer'];

export async function quantize(argv: string[]): Promise<void> {
  const { values } = parse('quantize', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(QUANTIZE_HELP);
    return;
  }
  const f = new Flags(values, 'quantize');
  const dir = f.required('model', 'a model folder written by simdnn train --out (or model.save)');
  const calibration = f.required(
    'calibration',
    `calibration data: a bundled data set (${DATASETS.join(', ')}) or a CSV file of feature rows`,
  );
  const out = f.required('out', 'a folder to write the quantized model to');
  const samples = f.integer('samples', 1000, { min: 1, max: 2 ** 31 - 1 });
  const mode = f.choice('mode', ['static', 'dynamic'] as const, 'static');
  const perChannel = !f.bool('per-tensor');
  const percentile = f.has('percentile')
    ? f.number('percentile', 100, { min: 50, max: 100, minExclusive: true })
    : undefined;
  const seed = f.integer('seed', 1, { min: 0, max: 2 ** 32 - 1 });
  const onnx = f.string('onnx');

  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(
      expectedMessage(
        'a model folder written by simdnn train --out (or model.save)',
        '--model',
        `${JSON.stringify(dir)} (${existsSync(dir) ? 'not a folder' : 'no such folder'})`,
      ),
      'quantize',
    );
  const named = (DATASETS as readonly string[]).includes(calibration) || ALIASES.includes(calibration);
  const isFile = existsSync(calibration) && statSync(calibration).isFile();
  if (!isFile && !named)
    throw new UsageError(
      expectedMessage(
        `a bundled data set (${DATASETS.join(', ')}) or a CSV file of feature rows`,
        '--calibration',
        `${JSON.stringify(calibration)} (${existsSync(calibration) ? 'not a file' : 'no such file'})`,
      ),
      'quantize',
    );
  if (resolve(out) === resolve(dir))
    throw new UsageError(
      expectedMessage('a folder other than --model (the float model stays)', '--out', JSON.stringify(out)),
      'quantize',
    );

  const model = await loadModel<Sequential | QuantizedModel>(dir);
  if (!(model instanceof Sequential))
    throw new UsageError(
      expectedMessage('a float model', '--model', `${JSON.stringify(dir)} (already a quantized model)`),
      'quantize',
    );
  const pre = await readPreprocessing(dir);
  if (!pre)
    process.stderr.write(`simdnn quantize: no preprocessing.json in ${dir}; the samples are used as they are\n`);
  const features = model.inputDim ?? pre?.featureNames.length;
  if (features === undefined) throw new Error(`The model in ${dir} has no input size`);

  // The calibration rows: a seeded random `samples` of them.
  let x: Tensor;
  if (isFile) x = readInput(calibration, features, pre, '--calibration').x;
  else {
    const d = loadTrainingData(calibration, { task: 'auto', dataDir: f.string('data-dir'), seed });
    x = d.x;
    if (x.shape[1] !== features)
      throw new UsageError(
        expectedMessage(
          `calibration samples of ${features} features (the model's input)`,
          '--calibration',
          `${JSON.stringify(calibration)} with ${x.shape[1]} features`,
        ),
        'quantize',
      );
  }
  const n = x.shape[0]!;
  if (samples < n) x = gatherRows(x, permutation(n, seed).slice(0, samples).sort());
  const scaled = pre ? StandardScaler.fromJSON(pre.scaler).transform(x) : x;
  const shape = model.inputShape;
  const xs = shape && shape.length > 1 ? scaled.reshape([scaled.shape[0]!, ...shape]) : scaled;

  const q = await model.quantize({ calibration: xs, mode, perChannel, ...(percentile ? { percentile } : {}) });
  const target = resolve(out);
  await mkdir(target, { recursive: true });
  await q.save(target);
  if (pre) await copyFile(join(dir, PREPROCESSING_FILE), join(target, PREPROCESSING_FILE));
  if (onnx) await q.exportOnnx(onnx);
  q.summary();
  const e = q.description.calibrationError!;
  console.log(
    `quantized ${dir} with ${xs.shape[0]} calibration samples (${mode}, ${perChannel ? 'per channel' : 'per tensor'}${percentile ? `, percentile ${percentile}` : ''}): same class as the float model on ${(100 * e.argmaxAgreement).toFixed(2)}% of them`,
  );
  console.log(`saved: ${target} (model.json, weights.bin${pre ? `, ${PREPROCESSING_FILE}` : ''})`);
  if (onnx) console.log(`wrote QDQ ONNX: ${onnx}`);
}
