// The MLP shapes of bench/gemm through the Node entry point: nn.matmul from
// JavaScript (validation, N-API call, result allocation included), timed in
// this process at 1 and 2 threads and compared with OpenBLAS's figures from
// the C++ run just before (same machine, same run). Adds `node_entry` to
// bench/results/gemm.json and prints a table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nn = await import(new URL('dist/index.js', `file://${root}`).href);
const jsonFile = `${root}bench/results/gemm.json`;
const results = JSON.parse(readFileSync(jsonFile, 'utf8'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function time(shape) {
  const { m, n, k, trans_a: ta, trans_b: tb } = shape;
  const a = nn.tensor(
    Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    ta ? [k, m] : [m, k],
  );
  const b = nn.tensor(
    Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5),
    tb ? [n, k] : [k, n],
  );
  const opts = { transposeA: ta, transposeB: tb };
  const flops = 2 * m * n * k;
  const reps = Math.max(5, Math.round(2e8 / flops));
  for (let i = 0; i < reps; i++) nn.matmul(a, b, opts);
  const samples = [];
  for (let s = 0; s < 7; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) nn.matmul(a, b, opts);
    samples.push((flops * reps) / Number(process.hrtime.bigint() - t0));
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const rows = [];
console.log('\nMLP shapes through the Node entry point (nn.matmul) vs OpenBLAS (C, same run)');
console.log('shape                  thr   node GFLOP/s   OpenBLAS   ratio');
for (const r of results.results) {
  if (!/^(fwd|wgrad|igrad|batch1)/.test(r.shape)) continue;
  nn.setThreads(r.threads);
  const t = time(r);
  const ratio = t.median / r.openblas_gflops.median;
  rows.push({ shape: r.shape, threads: r.threads, node_gflops: t, openblas_gflops: r.openblas_gflops.median, ratio });
  console.log(
    `${r.shape.padEnd(22)} ${String(r.threads).padStart(3)}   ${t.median.toFixed(1).padStart(12)}   ${r.openblas_gflops.median
      .toFixed(1)
      .padStart(8)}   ${ratio.toFixed(2)}x`,
  );
}
results.node_entry = rows;
writeFileSync(jsonFile, JSON.stringify(results, null, 1) + '\n');
