// SVG bar charts from the suites' JSON, no dependencies:
//   node bench/chart.mjs [suite ...]    (default: every bench/results/{train,small,infer,cnn}.json)
// One panel per metric (samples/s, µs); in each, one group of bars per
// setting, one bar per competitor, a whisker from the fastest to the slowest
// run, and a log scale (the peers span three orders of magnitude).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuLine } from './lib/machine.mjs';
import { fmtRatio } from './lib/report.mjs';

const COLORS = {
  simdnn: '#d6452f',
  pytorch: '#ee8a2a',
  'pytorch-channels-last': '#f3b26b',
  onnxruntime: '#6c5fc7',
  'tfjs-wasm': '#2f7fd6',
  'tfjs-cpu': '#7fb2ea',
  'brain.js': '#3aa36b',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function short(x) {
  if (x >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  return `${+x.toPrecision(3)}`;
}

function tick(x) {
  if (x >= 1e6) return `${x / 1e6}M`;
  if (x >= 1e3) return `${x / 1e3}k`;
  return String(x);
}

/** The SVG text of a suite result (the object written to bench/results/<suite>.json). */
export function renderChart(result) {
  const width = 960;
  const plotX = 230;
  const plotW = 520;
  const barH = 16;
  const gap = 4;
  const parts = [];
  let y = 28;
  parts.push(
    `<text x="16" y="${y}" font-size="17" font-weight="bold">${esc(`${result.suite}: ${result.title}`)}</text>`,
  );
  y += 20;
  const m = result.machine;
  const sub =
    `${m.date.slice(0, 10)} · ${cpuLine(m.cpu)} · simdnn ${m.versions.simdnn} (${m.simdnn.isa ?? '?'}) · ` +
    `median of ${result.runsPerFigure} run${result.runsPerFigure > 1 ? 's' : ''}, whiskers min–max, log scale` +
    (result.size !== 'full' ? ` · ${result.size.toUpperCase()} MODE: reduced sizes, figures meaningless` : '');
  parts.push(`<text x="16" y="${y}" font-size="12" fill="#555">${esc(sub)}</text>`);
  y += 14;

  const panels = [];
  for (const r of result.rows) {
    // One panel per metric and label: training and inference throughput are both samples/s but not one scale.
    const label = r.metricLabel ?? r.unit;
    let p = panels.find((q) => q.metric === r.metric && q.label === label);
    if (!p) panels.push((p = { metric: r.metric, label, higherIsBetter: r.higherIsBetter, rows: [] }));
    p.rows.push(r);
  }
  for (const p of panels) {
    const vals = p.rows
      .flatMap((r) => (r.summary ? [r.summary.min, r.summary.max, r.median] : []))
      .filter((v) => v > 0);
    if (vals.length === 0) continue;
    const lo = 10 ** Math.floor(Math.log10(Math.min(...vals)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...vals)) + 1e-9);
    const sx = (v) => plotX + (plotW * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo);
    y += 26;
    parts.push(
      `<text x="16" y="${y}" font-size="14" font-weight="bold">${esc(p.label)} (${p.higherIsBetter ? 'higher' : 'lower'} is better)</text>`,
    );
    y += 10;
    const top = y;
    const settings = [...new Set(p.rows.map((r) => r.setting))];
    for (const s of settings) {
      const rows = p.rows.filter((r) => r.setting === s);
      y += 18;
      parts.push(`<text x="16" y="${y}" font-size="12" font-weight="bold">${esc(rows[0].label)}</text>`);
      y += 4;
      for (const r of rows) {
        const cy = y + barH / 2;
        parts.push(`<text x="${plotX - 8}" y="${cy + 4}" font-size="12" text-anchor="end">${esc(r.competitor)}</text>`);
        if (r.median) {
          const color = COLORS[r.competitor] ?? '#888';
          parts.push(
            `<rect x="${plotX}" y="${y}" width="${(sx(r.median) - plotX).toFixed(1)}" height="${barH}" fill="${color}"/>`,
          );
          if (r.summary && r.summary.values.length > 1) {
            const [a, b] = [sx(r.summary.min), sx(r.summary.max)];
            parts.push(
              `<path d="M${a.toFixed(1)} ${cy}H${b.toFixed(1)}M${a.toFixed(1)} ${cy - 4}V${cy + 4}M${b.toFixed(1)} ${cy - 4}V${cy + 4}" stroke="#222" fill="none"/>`,
            );
          }
          const ratio =
            r.competitor === 'simdnn' || !r.speedup
              ? ''
              : ` · simdnn ${fmtRatio(r.speedup)}× ${r.speedup >= 1 ? 'faster' : '(slower)'}`;
          const acc = r.accuracy ? ` · acc ${r.accuracy.median.toFixed(3)}` : '';
          parts.push(
            `<text x="${Math.max(sx(r.summary?.max ?? r.median), sx(r.median)) + 6}" y="${cy + 4}" font-size="11">${esc(
              `${short(r.median)}${ratio}${acc}`,
            )}</text>`,
          );
        } else {
          parts.push(`<text x="${plotX + 4}" y="${cy + 4}" font-size="11" fill="#a00">failed</text>`);
        }
        y += barH + gap;
      }
    }
    const bottom = y + 2;
    for (let v = lo; v <= hi * 1.0001; v *= 10) {
      const x = sx(v).toFixed(1);
      parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#ccc" stroke-dasharray="3 3"/>`);
      parts.push(`<text x="${x}" y="${bottom + 14}" font-size="11" text-anchor="middle" fill="#555">${tick(v)}</text>`);
    }
    y = bottom + 18;
  }
  if (result.skipped?.length) {
    y += 16;
    for (const s of result.skipped) {
      parts.push(
        `<text x="16" y="${y}" font-size="11" fill="#555">${esc(`${s.competitor} not measured: ${s.reason}`)}</text>`,
      );
      y += 14;
    }
  }
  const height = y + 16;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['train', 'small', 'infer', 'cnn'];
  for (const s of suites) {
    const file = join(dir, `${s}.json`);
    if (!existsSync(file)) {
      console.error(`${file} does not exist: run node bench/run-all.mjs ${s} first`);
      continue;
    }
    writeFileSync(join(dir, `${s}.svg`), renderChart(JSON.parse(readFileSync(file, 'utf8'))));
    console.log(`bench/results/${s}.svg`);
  }
}
