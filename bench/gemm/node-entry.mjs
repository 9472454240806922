// The MLP shapes of bench/gemm through the Node entry point: nn.matmul from
// JavaScript (validation and the N-API call included), timed in this process
// at 1 and 2 threads and compared with OpenBLAS's figures from the C++ run
// just before (same machine, same run). Two ways of calling it: a fresh result
// per call (allocation included: the operating system hands out and zeroes new
// pages for every product of more than a few hundred KiB), and with
// `options.out` reused call after call (what cblas_sgemm does: it writes into
// the caller's C). Adds `node_entry` to bench/results/gemm.json and prints a
// table.
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

function time(shape, reuse) {
  const { m, n, k, trans_a: ta, trans_b: tb } = shape;
  const a = nn.tensor(
    Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    ta ? [k, m] : [m, k],
  );
  const b = nn.tensor(
    Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5),
    tb ? [n, k] : [k, n],
  );
  const opts = { transposeA: ta, transposeB: tb, ...(reuse ? { out: new Float32Array(m * n) } : {}) };
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
console.log('shape                  thr   fresh GFLOP/s  ratio   out= GFLOP/s  ratio   OpenBLAS');
for (const r of results.results) {
  if (!/^(fwd|wgrad|igrad|batch1)/.test(r.shape)) continue;
  nn.setThreads(r.threads);
  const t = time(r, false);
  const u = time(r, true);
  const blas = r.openblas_gflops.median;
  rows.push({
    shape: r.shape,
    threads: r.threads,
    node_gflops: t,
    node_out_gflops: u,
    openblas_gflops: blas,
    ratio: t.median / blas,
    ratio_out: u.median / blas,
  });
  console.log(
    `${r.shape.padEnd(22)} ${String(r.threads).padStart(3)}   ${t.median.toFixed(1).padStart(12)}  ${(t.median / blas)
      .toFixed(2)
      .padStart(5)}x  ${u.median.toFixed(1).padStart(12)}  ${(u.median / blas).toFixed(2).padStart(5)}x  ${blas
      .toFixed(1)
      .padStart(8)}`,
  );
}
results.node_entry = rows;
writeFileSync(jsonFile, JSON.stringify(results, null, 1) + '\n');
