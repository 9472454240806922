// `simdnn quantize` and `simdnn predict` on the quantized folder, run as a user runs them; the CLI's usage
// errors for quantize name the flag, what it expects and what it got.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digits } from '../lib/datasets.js';
import { ensureDist } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/cli/main.js');
let dir: string;

function simdnn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const { x, y } = digits();
const classes = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[0]));

beforeAll(() => {
  ensureDist();
  dir = mkdtempSync(join(tmpdir(), 'simdnn-cli-quantize-'));
  const rows = (x.toArray() as number[][]).map((row) => row.join(','));
  writeFileSync(join(dir, 'digit-rows.csv'), rows.slice(0, 200).join('\n') + '\n');
  writeFileSync(join(dir, 'calib.csv'), rows.slice(200, 500).join('\n') + '\n');
  writeFileSync(join(dir, 'narrow.csv'), '1,2,3\n4,5,6\n');
  const train = (out: string, layers: string) => {
    const r = simdnn('train', '--data', 'digits', '--layers', layers, '--folds', '0', '--epochs', '4', '--out', out);
    if (r.code !== 0) throw new Error(r.stderr);
  };
  train(join(dir, 'mlp'), '64,32');
  // (A bn after a conv with an activation cannot be folded: the CLI's conv tokens take --activation.)
  train(join(dir, 'cnn'), 'conv8x3same,pool2,conv16x3,flatten,dense32');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simdnn quantize', () => {
  for (const kind of ['mlp', 'cnn'])
    it(`quantizes the ${kind} with a bundled data set; simdnn predict on the result gives the float model's class on >= 97% of rows`, () => {
      const out = join(dir, `${kind}-int8`);
      const onnx = join(dir, `${kind}.onnx`);
      const r = simdnn(
        'quantize',
        '--model',
        join(dir, kind),
        '--calibration',
        'digits',
        '--samples',
        '300',
        '--out',
        out,
        '--onnx',
        onnx,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('QuantizedModel: int8 weights (per channel), u8 activations (static)');
      expect(r.stdout).toMatch(/with 300 calibration samples \(static, per channel\): same class as the float model/);
      expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).format).toBe('simdnn-quantized');
      expect(existsSync(join(out, 'preprocessing.json'))).toBe(true);
      expect(existsSync(onnx)).toBe(true);

      const input = join(dir, 'digit-rows.csv');
      const pf = simdnn('predict', '--model', join(dir, kind), '--input', input);
      const pq = simdnn('predict', '--model', out, '--input', input);
      expect(pq.stderr).toBe('');
      expect(pq.code).toBe(0);
      expect(pq.stdout.split('\n')[0]).toMatch(/^class,label,p_0,/);
      const a = classes(pf.stdout),
        b = classes(pq.stdout);
      expect(b).toHaveLength(200);
      expect(b.filter((c, i) => c === a[i]).length).toBeGreaterThanOrEqual(194);
      expect(b.filter((c, i) => c === y.data[i]).length).toBeGreaterThan(100); // chance is 20
    });

  it('takes a CSV file of feature rows, dynamic mode and per-tensor scales', () => {
    const out = join(dir, 'mlp-dyn');
    const r = simdnn(
      'quantize',
      '--model',
      join(dir, 'mlp'),
      '--calibration',
      join(dir, 'calib.csv'),
      '--mode',
      'dynamic',
      '--per-tensor',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/with 300 calibration samples \(dynamic, per tensor\)/);
    const p = simdnn('predict', '--model', out, '--input', join(dir, 'digit-rows.csv'));
    expect(p.code).toBe(0);
    expect(classes(p.stdout)).toHaveLength(200);
  });

  it.each([
    [
      ['quantize', '--calibration', 'digits', '--out', 'q'],
      'for --model, but received nothing (the option is required)',
    ],
    [['quantize', '--model', 'MLP', '--out', 'q'], 'for --calibration, but received nothing (the option is required)'],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'digits'],
      'for --out, but received nothing (the option is required)',
    ],
    [
      ['quantize', '--model', 'no-such-model', '--calibration', 'digits', '--out', 'q'],
      'Expected a model folder written by simdnn train --out (or model.save) for --model, but received "no-such-model" (no such folder)',
    ],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'nope.csv', '--out', 'q'],
      'or a CSV file of feature rows for --calibration, but received "nope.csv" (no such file)',
    ],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'digits', '--out', 'MLP'],
      'Expected a folder other than --model (the float model stays) for --out',
    ],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'digits', '--out', 'q', '--mode', 'fast'],
      'for --mode, but received "fast"',
    ],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'digits', '--out', 'q', '--samples', '0'],
      'Expected an integer from 1 to 2147483647 for --samples, but received "0"',
    ],
    [
      ['quantize', '--model', 'MLP', '--calibration', 'digits', '--out', 'q', '--percentile', '30'],
      'for --percentile, but received "30"',
    ],
    [
      ['quantize', '--model', 'MLP-INT8', '--calibration', 'digits', '--out', 'q'],
      'Expected a float model for --model, but received',
    ],
  ])('usage error %j', (args, message) => {
    const fixed = args.map((a) =>
      a === 'MLP' ? join(dir, 'mlp') : a === 'MLP-INT8' ? join(dir, 'mlp-int8') : a === 'q' ? join(dir, 'q') : a,
    );
    const r = simdnn(...fixed);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/Run "simdnn quantize --help" for usage\./);
  });

  it('rejects a calibration CSV whose rows do not have the model inputs (exit 1, naming the flag)', () => {
    const r = simdnn(
      'quantize',
      '--model',
      join(dir, 'mlp'),
      '--calibration',
      join(dir, 'narrow.csv'),
      '--out',
      join(dir, 'q2'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Expected 64 feature columns for --calibration');
    expect(r.stderr).toContain('but received 3 columns');
  });

  it('prints its help', () => {
    const r = simdnn('quantize', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: simdnn quantize --model DIR --calibration DATA --out DIR/);
    expect(simdnn('--help').stdout).toContain('quantize  Quantize a saved model to int8');
  });
});
