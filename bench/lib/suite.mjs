// Runs a suite definition (bench/train/suite.mjs and friends): every
// competitor x setting through the harness, then the speed-ups against
// simdnn, the JSON, the Markdown table and the SVG chart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from '../chart.mjs';
import { measureInterleaved } from './harness.mjs';
import { machineInfo } from './machine.mjs';
import { missingPeer } from './peers.mjs';
import { fmt, markdownReport, resultsDir, writeResults } from './report.mjs';

/**
 * The median over rounds of simdnn's speed-up against the competitor's run of
 * the same round (runs take turns: a round's runs are next to each other in
 * time, so a slow phase of this shared machine tends to hit both). Less
 * sensitive to such phases than the ratio of the two medians. Null with fewer
 * than three rounds where both succeeded.
 */
function pairedSpeedup(ref, row) {
  const mine = new Map(ref.raw.map((x) => [x.run, x[ref.metric]]));
  const ratios = [];
  for (const x of row.raw) {
    const a = mine.get(x.run);
    const b = x[row.metric];
    if (a > 0 && b > 0) ratios.push(row.higherIsBetter ? a / b : b / a);
  }
  if (ratios.length < 3) return null;
  ratios.sort((p, q) => p - q);
  const h = ratios.length >> 1;
  return ratios.length % 2 ? ratios[h] : (ratios[h - 1] + ratios[h]) / 2;
}

export const COMPETITOR_ORDER = [
  'simdnn',
  'simdnn-direct',
  'pytorch',
  'pytorch-channels-last',
  'onnxruntime',
  'tfjs-wasm',
  'tfjs-cpu',
  'brain.js',
];

/**
 * def: { suite, title, size, notes, runs, prepare(): shared params,
 * entries(shared): [{ competitor, setting, label, kind, script, params,
 * metric: { key, unit, label, higherIsBetter }, accuracy: bool, note,
 * extraMetrics?: more numeric result fields to summarize (row.extra),
 * flopsPerSample?, maxRuns?: fewer runs than the suite's, env?: environment of its processes }], annotate?(rows, shared): fields added to
 * the JSON }.
 * options: { runs, only: competitor names, settings: setting ids, outDir, log }.
 */
export async function runSuite(
  def,
  { runs, only, settings, outDir = resultsDir, log = (s) => process.stderr.write(`${s}\n`) },
) {
  const machine = await machineInfo();
  if (machine.loadAverage[0] > 0.5 * machine.cpu.logicalCores)
    log(
      `[${def.suite}] warning: load average ${machine.loadAverage[0]} on ${machine.cpu.logicalCores} CPUs: figures will be noisy`,
    );
  const shared = await def.prepare();
  const entries = def
    .entries(shared)
    .filter((e) => (!only || only.includes(e.competitor)) && (!settings || settings.includes(e.setting)));
  if (entries.length === 0)
    throw new Error(`${def.suite}: no competitor and setting left to measure (see --only and --settings)`);
  const skipped = [];
  const rows = [];
  const reasons = new Map();
  const runsPerFigure = runs ?? def.runs;
  const runnable = [];
  for (const e of entries) {
    if (!reasons.has(e.competitor))
      reasons.set(e.competitor, missingPeer(e.competitor) ?? shared.unavailable?.[e.competitor] ?? null);
    const reason = reasons.get(e.competitor);
    if (reason) {
      if (!skipped.some((s) => s.competitor === e.competitor)) skipped.push({ competitor: e.competitor, reason });
      continue;
    }
    runnable.push(e);
  }
  // The competitors of one setting take turns, run by run (see measureInterleaved).
  const settingsInOrder = [...new Set(runnable.map((e) => e.setting))];
  for (const setting of settingsInOrder) {
    const group = runnable.filter((e) => e.setting === setting);
    const jobs = group.map((e) => ({
      kind: e.kind,
      script: e.script,
      params: e.params,
      metrics: [e.metric.key, ...(e.accuracy ? ['accuracy'] : []), ...(e.extraMetrics ?? [])],
      env: {
        ...(e.kind === 'python' ? { OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(e.params.threads) } : {}),
        ...e.env,
      },
      // An entry may take fewer runs than the suite (a peer that needs a minute for one batch).
      runs: e.maxRuns !== undefined ? Math.min(e.maxRuns, runsPerFigure) : undefined,
    }));
    const measured = await measureInterleaved(jobs, runsPerFigure, (j, r, res) => {
      const e = group[j];
      log(
        `[${def.suite}] ${e.competitor} ${e.label}: run ${r + 1}/${jobs[j].runs ?? runsPerFigure} ${res.error ? `failed: ${res.error}` : `${fmt(res[e.metric.key])} ${e.metric.unit}`}`,
      );
    });
    for (const [j, e] of group.entries()) {
      const m = measured[j];
      const s = m.summary[e.metric.key];
      rows.push({
        suite: def.suite,
        competitor: e.competitor,
        setting: e.setting,
        label: e.label,
        metric: e.metric.key,
        unit: e.metric.unit,
        metricLabel: e.metric.label,
        higherIsBetter: e.metric.higherIsBetter,
        median: s?.median ?? null,
        summary: s,
        runs: m.runs,
        failed: m.failed,
        error: m.runs === 0 ? (m.errors[0] ?? 'no result') : undefined,
        errors: m.errors.length ? m.errors : undefined,
        accuracyMeasured: e.accuracy !== undefined ? Boolean(e.accuracy) : undefined,
        accuracy: e.accuracy ? (m.summary.accuracy ?? null) : null,
        accuracyNote: e.accuracyNote,
        ...(e.extraMetrics ? { extra: Object.fromEntries(e.extraMetrics.map((k) => [k, m.summary[k] ?? null])) } : {}),
        ...(e.flopsPerSample ? { flopsPerSample: e.flopsPerSample } : {}),
        note: e.note,
        params: e.params,
        raw: m.raw,
      });
    }
  }
  // Speed-ups, and (for inference) whether every competitor computed the same outputs.
  for (const r of rows) {
    const ref = rows.find((o) => o.competitor === 'simdnn' && o.setting === r.setting && o.metric === r.metric);
    if (!ref || ref === r || !ref.median || !r.median) continue;
    r.speedup = r.higherIsBetter ? ref.median / r.median : r.median / ref.median;
    r.pairedSpeedup = pairedSpeedup(ref, r);
    const a = ref.raw[0]?.firstOutput;
    const b = r.raw[0]?.firstOutput;
    if (a && b) r.maxAbsDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  }
  // Suite-specific figures derived from the medians (e.g. GFLOP/s), and what the suite adds to the JSON.
  const derived = def.annotate?.(rows, shared) ?? {};
  rows.sort(
    (a, b) =>
      entries.findIndex((e) => e.setting === a.setting) - entries.findIndex((e) => e.setting === b.setting) ||
      COMPETITOR_ORDER.indexOf(a.competitor) - COMPETITOR_ORDER.indexOf(b.competitor),
  );
  const result = {
    suite: def.suite,
    title: def.title,
    size: def.size,
    runsPerFigure,
    machine,
    notes: def.notes,
    skipped,
    ...derived,
    rows,
  };
  const files = writeResults(result, outDir);
  const svg = join(outDir, `${def.suite}.svg`);
  writeFileSync(svg, renderChart(result));
  return { result, files: { ...files, svg }, report: markdownReport(result) };
}
