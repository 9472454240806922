/** `simdnn predict`: a saved model and its preprocessing applied to the rows of a CSV file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { argMax } from '../data/labels.js';
import { StandardScaler } from '../data/scalers.js';
import { expectedMessage } from '../errors.js';
import { loadModel } from '../io/load.js';
import type { Sequential } from '../model.js';
import { QuantizedModel } from '../quantize/quantized-model.js';
import { Tensor } from '../tensor.js';
import { Flags, UsageError, parse } from './args.js';
import { PREDICT_HELP } from './help.js';
import { readPreprocessing, type Preprocessing } from './preprocessing.js';

const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const isNumeric = (cell: string) => cell !== '' && !Number.isNaN(Number(cell));

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The input's feature matrix, and the target cells when the file has the target column. */
export function readInput(
  file: string,
  features: number,
  pre: Preprocessing | undefined,
  option = '--input',
): { x: Tensor; target?: string[] } {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `Cannot read ${option} ${JSON.stringify(file)}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
  let rows: string[][];
  try {
    rows = parseCsv(text, { trim: true, skip_empty_lines: true, bom: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new Error(`Cannot parse CSV ${JSON.stringify(file)}: ${(err as Error).message}`, { cause: err });
  }
  if (rows.length === 0) throw new Error(`The input ${JSON.stringify(file)} has no rows`);
  const first = rows[0]!;
  const hasHeader = first.some((c) => !isNumeric(c));
  const body = hasHeader ? rows.slice(1) : rows;
  if (body.length === 0) throw new Error(`The input ${JSON.stringify(file)} has no data rows`);
  const width = first.length;
  let columns: number[];
  let targetColumn: number | undefined;
  const names = pre?.featureNames;
  if (hasHeader && names && names.every((name) => first.includes(name))) {
    columns = names.map((name) => first.indexOf(name));
    const t = pre?.target.name === undefined ? -1 : first.indexOf(pre.target.name);
    if (t >= 0 && !columns.includes(t)) targetColumn = t;
  } else if (width === features) {
    columns = Array.from({ length: width }, (_, i) => i);
  } else if (width === features + 1 && pre?.target.position !== undefined && pre.target.position <= features) {
    targetColumn = pre.target.position;
    columns = Array.from({ length: width }, (_, i) => i).filter((i) => i !== targetColumn);
  } else {
    throw new Error(
      expectedMessage(
        `${features} feature columns${names && hasHeader ? ` (or a header naming ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''})` : ''}`,
        `${option} ${JSON.stringify(file)}`,
        `${width} columns`,
      ),
    );
  }
  const x = new Float32Array(body.length * features);
  const target: string[] = [];
  body.forEach((row, r) => {
    const line = r + 1 + (hasHeader ? 1 : 0);
    columns.forEach((c, j) => {
      const cell = row[c] ?? '';
      if (!isNumeric(cell))
        throw new Error(
          expectedMessage(
            'a number',
            `line ${line}, column ${c + 1}${hasHeader ? ` (${JSON.stringify(first[c])})` : ''} of ${file}`,
            cell === '' ? 'an empty cell' : JSON.stringify(cell),
          ),
        );
      x[r * features + j] = Number(cell);
    });
    if (targetColumn !== undefined) target.push(row[targetColumn] ?? '');
  });
  return { x: new Tensor(x, [body.length, features]), ...(targetColumn !== undefined ? { target } : {}) };
}

export async function predict(argv: string[]): Promise<void> {
  const { values } = parse('predict', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(PREDICT_HELP);
    return;
  }
  const f = new Flags(values, 'predict');
  const dir = f.required('model', 'a model folder written by simdnn train --out');
  const input = f.required('input', 'a CSV file of feature rows');
  const output = f.string('output');

  if (!existsSync(dir))
    throw new UsageError(
      expectedMessage(
        'a model folder written by simdnn train --out',
        '--model',
        `${JSON.stringify(dir)} (no such folder)`,
      ),
      'predict',
    );
  if (!existsSync(input))
    throw new UsageError(
      expectedMessage('a CSV file of feature rows', '--input', `${JSON.stringify(input)} (no such file)`),
      'predict',
    );
  const model = await loadModel<Sequential | QuantizedModel>(dir);
  const pre = await readPreprocessing(dir);
  if (!pre) process.stderr.write(`simdnn predict: no preprocessing.json in ${dir}; the inputs are used as they are\n`);
  const features = model.inputDim ?? pre?.featureNames.length;
  if (features === undefined) throw new Error(`The model in ${dir} has no input size`);
  const { x, target } = readInput(input, features, pre);
  const scaled = pre ? StandardScaler.fromJSON(pre.scaler).transform(x) : x;
  // Image models (conv layers) take [n, h, w, c]: the CSV rows are their pixels, row-major.
  const sampleShape = model.inputShape;
  const xs = sampleShape && sampleShape.length > 1 ? scaled.reshape([scaled.shape[0]!, ...sampleShape]) : scaled;
  const out = await model.predictAsync(xs);
  const rows = x.shape[0]!;
  const outputs = out.shape[1]!;
  const loss = model instanceof QuantizedModel ? model.description.compile?.loss : model.compileConfig?.loss;
  const classification = pre ? pre.task === 'classification' : loss !== undefined && /Crossentropy/.test(loss);

  const lines: string[] = [];
  let score: string | undefined;
  if (classification) {
    const ids = outputs === 1 ? Int32Array.from(out.data, (p) => (p > 0.5 ? 1 : 0)) : argMax(out);
    const names = pre?.target.classNames ?? Array.from({ length: Math.max(outputs, 2) }, (_, i) => String(i));
    const probs = (r: number): number[] =>
      outputs === 1 ? [1 - out.data[r]!, out.data[r]!] : Array.from(out.data.subarray(r * outputs, (r + 1) * outputs));
    lines.push(['class', 'label', ...names.map((name) => `p_${name}`)].map(csvCell).join(','));
    for (let r = 0; r < rows; r++)
      lines.push(
        [
          String(ids[r]),
          csvCell(names[ids[r]!] ?? String(ids[r])),
          ...probs(r).map((p) => String(Number(p.toFixed(6)))),
        ].join(','),
      );
    if (target) {
      let correct = 0;
      target.forEach((t, r) => {
        if (t === names[ids[r]!] || (isNumeric(t) && Number(t) === Number(names[ids[r]!]))) correct++;
      });
      score = `accuracy on ${input}: ${(correct / rows).toFixed(3)} (${correct}/${rows})`;
    }
  } else {
    const mean = pre?.target.mean ?? 0;
    const std = pre?.target.std ?? 1;
    lines.push('prediction');
    const preds = Array.from({ length: rows }, (_, r) => out.data[r * outputs]! * std + mean);
    for (const p of preds) lines.push(String(Number(p.toPrecision(7))));
    if (target && target.every(isNumeric)) {
      const mse = preds.reduce((a, p, r) => a + (p - Number(target[r])) ** 2, 0) / rows;
      score = `mse on ${input}: ${Number(mse.toPrecision(4))}`;
    }
  }
  const text = lines.join('\n') + '\n';
  if (output) {
    writeFileSync(output, text);
    console.log(`wrote ${rows} predictions to ${output}`);
  } else process.stdout.write(text);
  if (score) process.stderr.write(`${score}\n`);
}
