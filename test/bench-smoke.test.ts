// Smoke test of the benchmark suites (bench/run-all.mjs): each suite runs end
// to end at tiny sizes into a temporary folder, and every competitor that is
// installed must produce a figure (no timing is asserted). Competitors that
// are not installed are reported as skipped, with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';

const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'simdnn-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Summary {
  median: number;
  values: number[];
}
interface Row {
  competitor: string;
  setting: string;
  median: number | null;
  error?: string;
  accuracy: Summary | null;
  accuracyMeasured?: boolean;
  maxAbsDiff?: number;
}
interface SuiteResult {
  suite: string;
  size: string;
  machine: { cpu: { model: string }; versions: Record<string, string | null> };
  skipped: { competitor: string; reason: string }[];
  rows: Row[];
}

function runSuite(suite: string, settings: string[]): SuiteResult {
  const r = spawnSync(
    process.execPath,
    ['bench/run-all.mjs', suite, '--tiny', '--out', out, '--settings', settings.join(',')],
    { cwd: root, encoding: 'utf8', timeout: 280_000 },
  );
  expect(r.status, `run-all ${suite} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
  for (const ext of ['json', 'md', 'svg']) expect(existsSync(join(out, `${suite}.${ext}`))).toBe(true);
  expect(readFileSync(join(out, `${suite}.svg`), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  return JSON.parse(readFileSync(join(out, `${suite}.json`), 'utf8')) as SuiteResult;
}

function checkRows(result: SuiteResult, settings: string[]): void {
  expect(result.size).toBe('tiny');
  expect(result.machine.cpu.model).toBeTruthy();
  for (const s of settings) expect(result.rows.some((r) => r.competitor === 'simdnn' && r.setting === s)).toBe(true);
  for (const r of result.rows) {
    expect(r.error, `${r.competitor} ${r.setting}`).toBeUndefined();
    expect(r.median).toBeGreaterThan(0);
    if (r.accuracyMeasured) {
      expect(r.accuracy!.median).toBeGreaterThanOrEqual(0);
      expect(r.accuracy!.median).toBeLessThanOrEqual(1);
    }
  }
  for (const s of result.skipped) expect(s.reason).toBeTruthy();
}

describe('benchmark suites at tiny sizes', () => {
  it('train: Fashion-MNIST, every installed competitor', { timeout: 300_000 }, (ctx) => {
    if (!existsSync('/usr/share/datasets/fashion-mnist') && !process.env.SIMDNN_BENCH_FASHION)
      return ctx.skip('Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)');
    const settings = ['adam-1t', 'sgd-2t'];
    checkRows(runSuite('train', settings), settings);
  });

  it('small: digits, every installed competitor', { timeout: 300_000 }, () => {
    const settings = ['adam-1t', 'sgd-2t'];
    const result = runSuite('small', settings);
    checkRows(result, settings);
    expect(result.rows.find((r) => r.competitor === 'simdnn')!.accuracyMeasured).toBe(true);
  });

  it('infer: every installed competitor computes the same outputs', { timeout: 300_000 }, (ctx) => {
    if (!existsSync('/usr/share/datasets/fashion-mnist') && !process.env.SIMDNN_BENCH_FASHION)
      return ctx.skip('Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)');
    const settings = ['b1-1t', 'b256-2t'];
    const result = runSuite('infer', settings);
    checkRows(result, settings);
    for (const r of result.rows)
      if (r.competitor !== 'simdnn') expect(r.maxAbsDiff, `${r.competitor} ${r.setting}`).toBeLessThan(1e-5);
  });

  it('cnn: every installed competitor trains the CNN and computes the same outputs', { timeout: 300_000 }, (ctx) => {
    if (!existsSync('/usr/share/datasets/fashion-mnist') && !process.env.SIMDNN_BENCH_FASHION)
      return ctx.skip('Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)');
    const layers = nn.layers as Record<string, unknown>;
    if (typeof layers.conv2d !== 'function') return ctx.skip('this build of simdnn has no nn.layers.conv2d');
    const settings = ['adam-1t', 'b256-2t'];
    const result = runSuite('cnn', settings);
    checkRows(result, settings);
    for (const r of result.rows)
      if (r.setting.startsWith('b') && r.competitor !== 'simdnn')
        expect(r.maxAbsDiff, `${r.competitor} ${r.setting}`).toBeLessThan(1e-5);
  });
});
