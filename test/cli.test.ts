// The `simdnn` command, run as a user runs it: `node dist/cli/main.js ...` (dist/ is compiled first when stale).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digits, iris } from '../lib/datasets.js';
import { ensureDist } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/cli/main.js');

function simdnn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;

beforeAll(() => {
  ensureDist();
  dir = mkdtempSync(join(tmpdir(), 'simdnn-cli-'));
  // Iris features (no target) and the full table with a header and text labels.
  const { x, y, classNames, featureNames } = iris();
  const rows = (x.toArray() as number[][]).map((r) => r.join(','));
  writeFileSync(join(dir, 'features.csv'), rows.slice(0, 12).join('\n') + '\n');
  writeFileSync(
    join(dir, 'iris-named.csv'),
    [`${featureNames.join(',')},species`, ...rows.map((r, i) => `${r},${classNames[y.data[i]!]}`)].join('\n') + '\n',
  );
  // A regression table: a continuous target.
  const lines = ['a,b,c,target'];
  for (let i = 0; i < 120; i++) {
    const a = Math.sin(i) * 3;
    const b = Math.cos(i * 0.7) * 2;
    const c = (i % 11) / 5;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(10 + 3 * a - 2 * b + c).toFixed(4)}`);
  }
  writeFileSync(join(dir, 'reg.csv'), lines.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simdnn (help and usage errors)', () => {
  it('prints help', () => {
    const r = simdnn('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: simdnn <command>/);
    expect(r.stdout).toContain('train');
    const t = simdnn('train', '--help');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^Usage: simdnn train --data/);
    for (const flag of [
      '--target',
      '--layers',
      '--activation',
      '--optimizer',
      '--lr',
      '--epochs',
      '--batch-size',
      '--l1',
      '--l2',
      '--dropout',
      '--folds',
      '--seed',
      '--test-size',
      '--out',
      '--verbose',
    ])
      expect(t.stdout).toContain(flag);
    expect(simdnn('predict', '-h').stdout).toMatch(/^Usage: simdnn predict --model DIR --input FILE/);
    expect(simdnn('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits with code 2 and a clear message for bad flags, without a stack trace', () => {
    const cases: [string[], string | RegExp][] = [
      [
        ['train', '--data', 'iris', '--epochs', 'abc'],
        'Expected an integer from 1 to 1000000 for --epochs, but received "abc"',
      ],
      [
        ['train', '--data', 'iris', '--epoch', '5'],
        /Expected one of the options --data, .* for simdnn train, but received an unknown option "--epoch" \(did you mean --epochs\?\)/,
      ],
      [
        ['train'],
        'Expected a data set name (digits, fashion-mnist, iris, wine, breast-cancer) or a CSV file for --data, but received nothing (the option is required)',
      ],
      [
        ['train', '--data', 'irsi'],
        /Expected one of digits, fashion-mnist, iris, wine, breast-cancer or the path of a CSV file for --data, but received "irsi" \(did you mean iris\?\)/,
      ],
      [
        ['train', '--data', 'iris', '--optimizer', 'adma'],
        /Expected one of adam, adamw, sgd, gd, rmsprop, adagrad \(did you mean adam\?\) for --optimizer, but received "adma"/,
      ],
      [['train', '--data', 'iris', '--layers', '64,x'], 'for --layers (token 2 of 2), but received "x"'],
      [
        ['train', '--data', 'iris', '--layers', 'conv8x3,flatten'],
        'Expected image data for conv, pooling and flatten layers (--data digits or fashion-mnist), or a reshape token first for --layers',
      ],
      [
        ['train', '--data', 'digits', '--layers', 'conv8x3,dense10'],
        'Expected flat samples for --layers token 2 "dense10", but received image samples [6, 6, 8] from "conv8x3" (add flatten or gap before it)',
      ],
      [
        ['train', '--data', 'digits', '--max-samples', '0'],
        'Expected an integer from 1 to 2147483647 for --max-samples',
      ],
      [['train', '--data', 'iris', '--lr', '0'], 'for --lr, but received "0"'],
      [['train', '--data', 'iris', '--epochs'], 'Expected a value after the option for --epochs, but received nothing'],
      [['train', '--data', 'iris', 'extra'], 'but received an unexpected argument "extra"'],
      [['train', '--data', 'iris', '--target', 'x'], 'applies to CSV files'],
      [
        ['trian'],
        'Expected one of the commands train, predict, quantize, serve, info for simdnn, but received "trian" (did you mean train?)',
      ],
      [['predict', '--input', 'x.csv'], 'for --model, but received nothing (the option is required)'],
      [
        ['predict', '--model', 'no-such-model', '--input', 'x.csv'],
        'Expected a model folder written by simdnn train --out for --model, but received "no-such-model" (no such folder)',
      ],
    ];
    for (const [args, message] of cases) {
      const r = simdnn(...args);
      expect(r.code, args.join(' ')).toBe(2);
      if (typeof message === 'string') expect(r.stderr).toContain(message);
      else expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/Run "simdnn (train |predict )?--help" for usage\./);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    const none = simdnn();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: simdnn <command>');
  });

  it('exits with code 1 and a message for failures that are not usage errors', () => {
    mkdirSync(join(dir, 'empty-model'), { recursive: true });
    const r = simdnn('predict', '--model', join(dir, 'empty-model'), '--input', join(dir, 'features.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simdnn predict: error: .*model\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('simdnn train and predict', () => {
  it('trains on iris with cross-validation, saves the model, preprocessing and learning curve', () => {
    const out = join(dir, 'iris-model');
    const r = simdnn('train', '--data', 'iris', '--folds', '2', '--epochs', '5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('data: iris - 150 samples, 4 features, 3 classes');
    expect(r.stdout).toContain('split: 120 training, 30 test samples (stratified)');
    expect(r.stdout.match(/^ {2}fold \d\/2: accuracy \d\.\d{4} {2}loss \d+\.\d{4}/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/^mean accuracy: \d\.\d{3} ± \d\.\d{3} \(2 folds\)$/m);
    expect(r.stdout).toMatch(/^test accuracy: \d\.\d{3}$/m);
    for (const f of ['model.json', 'preprocessing.json', 'learning-curve.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const pre = JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8'));
    expect(pre.task).toBe('classification');
    expect(pre.target.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(pre.scaler.mean).toHaveLength(4);
    const svg = readFileSync(join(out, 'learning-curve.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/class="curve"/g)).toHaveLength(4);
    expect(svg).not.toMatch(/NaN/);

    const p = simdnn('predict', '--model', out, '--input', join(dir, 'features.csv'));
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toBe('class,label,p_setosa,p_versicolor,p_virginica');
    expect(lines).toHaveLength(13);
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/^[012],(setosa|versicolor|virginica),[\d.e-]+,[\d.e-]+,[\d.e-]+$/);
      const probs = line.split(',').slice(2).map(Number);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }

    const file = join(dir, 'predictions.csv');
    const w = simdnn('predict', '--model', out, '--input', join(dir, 'features.csv'), '--output', file);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('wrote 12 predictions');
    expect(readFileSync(file, 'utf8')).toBe(p.stdout);
  });

  it('trains on a CSV with text labels and scores a labelled input by column names', () => {
    const out = join(dir, 'named-model');
    const r = simdnn(
      'train',
      '--data',
      join(dir, 'iris-named.csv'),
      '--target',
      'species',
      '--folds',
      '0',
      '--epochs',
      '20',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/mean accuracy/);
    expect(r.stdout).toMatch(/^test accuracy: \d\.\d{3}$/m);
    const p = simdnn('predict', '--model', out, '--input', join(dir, 'iris-named.csv'));
    expect(p.code).toBe(0);
    expect(p.stdout.trim().split('\n')).toHaveLength(151);
    expect(p.stderr).toMatch(/^accuracy on .*iris-named\.csv: \d\.\d{3} \(\d+\/150\)$/m);
  });

  it('treats a continuous CSV target as regression and reports the mean squared error', () => {
    const out = join(dir, 'reg-model');
    const r = simdnn(
      'train',
      '--data',
      join(dir, 'reg.csv'),
      '--folds',
      '2',
      '--epochs',
      '5',
      '--layers',
      '16',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('regression');
    expect(r.stdout).toMatch(/^mean loss \(mse\): [\d.e+-]+ ± [\d.e+-]+ \(2 folds\)$/m);
    expect(r.stdout).toMatch(/^test loss \(mse\): [\d.e+-]+/m);
    const p = simdnn('predict', '--model', out, '--input', join(dir, 'reg.csv'));
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toBe('prediction');
    expect(lines).toHaveLength(121);
    for (const line of lines.slice(1)) expect(Number.isFinite(Number(line))).toBe(true);
    expect(p.stderr).toMatch(/^mse on .*reg\.csv: [\d.e+-]+$/m);
  });

  it('trains a CNN on digits images from a --layers spec, saves it, and predicts on CSV pixel rows', () => {
    const out = join(dir, 'digits-cnn');
    const r = simdnn(
      'train',
      '--data',
      'digits',
      '--layers',
      'conv8x3same,bn,pool2,conv16x3,flatten,dropout0.1,dense32',
      '--folds',
      '2',
      '--epochs',
      '3',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('data: digits - 1797 samples, 64 features (images 8x8x1), 10 classes');
    expect(r.stdout).toContain(
      'model: [8, 8, 1] images -> conv 8@3x3 same linear -> batchnorm -> relu -> maxpool 2 -> conv 16@3x3 relu -> flatten -> dropout 0.1 -> dense 32 relu -> dense 10 softmax',
    );
    expect(r.stdout.match(/^ {2}fold \d\/2: accuracy \d\.\d{4}/gm)).toHaveLength(2);
    const acc = Number(/^test accuracy: (\d\.\d{3})$/m.exec(r.stdout)?.[1]);
    expect(acc).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(JSON.stringify(json)).toContain('conv2d');
    const pre = JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8'));
    expect(pre.inputShape).toEqual([8, 8, 1]);
    expect(readFileSync(join(out, 'learning-curve.svg'), 'utf8')).toMatch(/^<svg /);

    const { x, y } = digits();
    const rows = (x.toArray() as number[][]).slice(0, 20);
    writeFileSync(join(dir, 'digit-rows.csv'), rows.map((row) => row.join(',')).join('\n') + '\n');
    const p = simdnn('predict', '--model', out, '--input', join(dir, 'digit-rows.csv'));
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^class,label,p_0,p_1,/);
    expect(lines).toHaveLength(21);
    const right = lines.slice(1).filter((line, i) => Number(line.split(',')[0]) === y.data[i]).length;
    expect(right).toBeGreaterThan(10);

    // conv -> bn -> relu folds: the CLI's model quantizes, and the int8 model predicts the same classes mostly.
    const q = simdnn('quantize', '--model', out, '--calibration', 'digits', '--samples', '200', '--out', `${out}-int8`);
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
    const pq = simdnn('predict', '--model', `${out}-int8`, '--input', join(dir, 'digit-rows.csv'));
    expect(pq.code).toBe(0);
    const same = pq.stdout
      .trim()
      .split('\n')
      .slice(1)
      .filter((line, i) => line.split(',')[0] === lines[i + 1]!.split(',')[0]).length;
    expect(same).toBeGreaterThanOrEqual(18);
  });

  it('trains a conv1d network on digits rows reshaped to sequences by the --layers spec', () => {
    const r = simdnn(
      'train',
      '--data',
      'digits',
      '--layers',
      'reshape64x1,conv1d8x3same,pool1d2,conv1d8x3,gap1d,dense16',
      '--folds',
      '1',
      '--epochs',
      '20',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'model: 64 inputs -> reshape 64x1 -> conv1d 8@3 same relu -> maxpool1d 2 -> conv1d 8@3 relu -> global avgpool1d -> dense 16 relu -> dense 10 softmax',
    );
    const acc = Number(/^test accuracy: (\d\.\d{3})$/m.exec(r.stdout)?.[1]);
    expect(acc).toBeGreaterThan(0.3); // 10 classes: chance is 0.1
  });

  it.skipIf(!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'))(
    'trains a CNN on a subset of Fashion-MNIST (Debian dataset-fashion-mnist) and tests on its own test images',
    () => {
      const r = simdnn(
        'train',
        '--data',
        'fashion-mnist',
        '--layers',
        'conv8x3,pool2,conv16x3,pool2,flatten,dense32',
        '--max-samples',
        '600',
        '--epochs',
        '2',
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('data: fashion-mnist - 700 samples, 784 features (images 28x28x1), 10 classes');
      expect(r.stdout).toContain("split: 600 training, 100 test samples (fashion-mnist's own test set)");
      expect(r.stdout).not.toMatch(/cross-validation/); // no folds by default for fashion-mnist
      expect(Number(/^test accuracy: (\d\.\d{3})$/m.exec(r.stdout)?.[1])).toBeGreaterThan(0.3);
    },
  );

  it('names the Debian package when Fashion-MNIST is missing', () => {
    const r = simdnn('train', '--data', 'fashion-mnist', '--data-dir', join(dir, 'no-fashion'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `simdnn train: error: Fashion-MNIST not found: ${join(dir, 'no-fashion', 'train-images-idx3-ubyte.gz')} is missing. It comes with the Debian package dataset-fashion-mnist`,
    );
    expect(r.stderr).toContain('--data-dir DIR');
  });

  it('rejects an input with the wrong number of columns', () => {
    writeFileSync(join(dir, 'narrow.csv'), '1,2\n3,4\n');
    const r = simdnn('predict', '--model', join(dir, 'iris-model'), '--input', join(dir, 'narrow.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Expected 4 feature columns for --input ".*narrow\.csv", but received 2 columns/);
  });
});
