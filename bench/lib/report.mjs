// Tables and files: a suite's result as a Markdown table (printed and saved as
// bench/results/<suite>.md) and as JSON (bench/results/<suite>.json).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuLine } from './machine.mjs';
import { root } from './peers.mjs';

export const resultsDir = join(root, 'bench', 'results');

/** 54321.7 -> "54,322"; 25.43 -> "25.4"; 0.8771 -> "0.877". */
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** 1304.6 -> "1305"; 24.55 -> "24.6"; 1.013 -> "1.01". */
export function fmtRatio(x) {
  return x >= 100 ? String(Math.round(x)) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function spreadCell(s) {
  if (!s) return '–';
  if (s.values.length < 2) return 'one run';
  return `${fmt(s.min)}–${fmt(s.max)} (${s.spreadPct.toFixed(1)}%)`;
}

function accuracyCell(row) {
  if (!row.accuracy) return row.accuracyNote ?? 'not measured';
  const a = row.accuracy;
  return a.values.length > 1 ? `${a.median.toFixed(4)} (${a.min.toFixed(4)}–${a.max.toFixed(4)})` : a.median.toFixed(4);
}

/** The Markdown table of a suite result (see suite.mjs for its shape). */
export function markdownTable(result) {
  const hasAccuracy = result.rows.some((r) => r.accuracyMeasured !== undefined);
  const hasCheck = result.rows.some((r) => r.maxAbsDiff !== undefined);
  const hasGflops = result.rows.some((r) => r.gflops !== undefined);
  const hasRss = result.rows.some((r) => r.extra?.peakRssMiB);
  const head = ['setting', 'competitor', 'median', 'spread (min–max)', 'simdnn speed-up', 'paired', 'runs'];
  if (hasAccuracy) head.push('test accuracy');
  if (hasCheck) head.push('max |Δ| vs simdnn');
  if (hasGflops) head.push('GFLOP/s (% of FMA peak)');
  if (hasRss) head.push('peak RSS, MiB (at start)');
  head.push('notes');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of result.rows) {
    const value = r.error ? `failed: ${r.error.split('\n')[0].slice(0, 80)}` : `${fmt(r.median)} ${r.unit}`;
    const cells = [
      r.label,
      r.competitor,
      value,
      spreadCell(r.summary),
      r.speedup ? `${fmtRatio(r.speedup)}×` : r.competitor === 'simdnn' ? '1×' : '–',
      r.pairedSpeedup ? `${fmtRatio(r.pairedSpeedup)}×` : '–',
      `${r.runs}${r.failed ? ` (+${r.failed} failed)` : ''}`,
    ];
    if (hasAccuracy) cells.push(accuracyCell(r));
    if (hasCheck) cells.push(r.maxAbsDiff === undefined ? '–' : r.maxAbsDiff.toExponential(1));
    if (hasGflops)
      cells.push(
        r.gflops === undefined
          ? '–'
          : `${fmt(r.gflops)}${r.pctOfPeak !== undefined ? ` (${r.pctOfPeak.toFixed(0)}%)` : ''}`,
      );
    if (hasRss) {
      const peak = r.extra?.peakRssMiB;
      const start = r.extra?.rssAtStartMiB;
      cells.push(peak ? `${fmt(peak.median)}${start ? ` (${fmt(start.median)})` : ''}` : '–');
    }
    cells.push(r.note ?? '');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The whole Markdown report of a suite: title, machine, table, notes, skipped competitors. */
export function markdownReport(result) {
  const m = result.machine;
  const out = [
    `## ${result.suite}: ${result.title}`,
    '',
    `${m.date} · ${cpuLine(m.cpu)} · ${m.cpu.flags.join(' ')} · ` +
      `load ${m.loadAverage.join(' ')} · Node ${m.node} · simdnn ${m.versions.simdnn} (${m.simdnn.isa ?? m.simdnn.error})`,
    '',
    `Each figure is the median of ${result.runsPerFigure} run${result.runsPerFigure > 1 ? 's' : ''}, each in a fresh process.` +
      ` simdnn speed-up: how many times faster simdnn is than the competitor in that setting (below 1: slower):` +
      ` the ratio of the medians, and (paired) the median of the ratios of runs of the same round.` +
      (result.size !== 'full'
        ? ` **${result.size} mode: reduced sizes, for checking the harness only; the figures mean nothing.**`
        : ''),
    '',
    markdownTable(result),
    '',
  ];
  for (const n of result.notes) out.push(`- ${n}`);
  for (const s of result.skipped) out.push(`- ${s.competitor} not measured: ${s.reason}`);
  const versions = Object.entries(m.versions)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(`- versions: ${versions}`);
  return `${out.join('\n')}\n`;
}

function writeAtomic(file, text) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Writes <dir>/<suite>.json and .md (dir: bench/results); returns their paths. */
export function writeResults(result, dir = resultsDir) {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${result.suite}.json`);
  const md = join(dir, `${result.suite}.md`);
  writeAtomic(json, `${JSON.stringify(result, null, 1)}\n`);
  writeAtomic(md, markdownReport(result));
  return { json, md };
}
