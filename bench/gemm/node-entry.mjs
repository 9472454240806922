// The MLP shapes of bench/gemm through the Node entry point: nn.matmul from
// JavaScript (validation and the N-API call included), timed in this process
// at 1 and 2 threads and compared with OpenBLAS's figures from the C++ run
// just before (same machine, same run). Two ways of calling it: a fresh result
// per call (allocation included: the operating system hands out and zeroes new
// pages for every product of more than a few hundred KiB), and with
// `options.out` reused call after call (what cblas_sgemm does: it writes into
// the caller's C). OpenBLAS is timed twice: its figure from the C++ run just
// before, and samples of the same C++ program (one shape, one sample per
// process: `--openblas-sample`) taken in turn with the Node samples, so that
// both see the same load on this shared machine; the ratios use the latter.
// Adds `node_entry` to bench/results/gemm.json and prints a table.
//   node bench/gemm/node-entry.mjs <path of the bench_gemm program>
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarize } from '../lib/harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nn = await import(new URL('dist/index.js', `file://${root}`).href);
const jsonFile = `${root}bench/results/gemm.json`;
const benchExe = process.argv[2];
if (!benchExe) throw new Error('usage: node bench/gemm/node-entry.mjs <bench_gemm program>');
const results = JSON.parse(readFileSync(jsonFile, 'utf8'));

/** A function that takes one sample (GFLOP/s) of nn.matmul on the shape, warmed up. */
function sampler(shape, reuse) {
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
  // ~50 ms per sample at 70 GFLOP/s, as the C++ run's samples: short samples
  // right after an OpenBLAS process would time cold caches and timer noise.
  const reps = Math.max(5, Math.round(3.5e9 / flops));
  for (let i = 0; i < reps; i++) nn.matmul(a, b, opts);
  return () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) nn.matmul(a, b, opts);
    return (flops * reps) / Number(process.hrtime.bigint() - t0);
  };
}

function openblasSample(shape, threads) {
  const { m, n, k, trans_a: ta, trans_b: tb } = shape;
  const args = ['--openblas-sample', m, n, k, ta ? 1 : 0, tb ? 1 : 0, threads].map(String);
  return Number(execFileSync(benchExe, args, { encoding: 'utf8' }).trim());
}

// One second of products first: V8's compiler and GC threads are busy right after start-up, and on two cores
// they took one from the first shape's samples (0.6x against ~1.0x in later runs).
{
  const warm = nn.tensor(new Float32Array(256 * 256).fill(0.5), [256, 256]);
  const out = new Float32Array(256 * 256);
  for (const t0 = Date.now(); Date.now() - t0 < 1000;) nn.matmul(warm, warm, { out });
}

const rows = [];
console.log('\nMLP shapes through the Node entry point (nn.matmul) vs OpenBLAS (C, same run)');
console.log('shape                  thr      fresh  ratio       out=  ratio   OpenBLAS  (C run)  out=/C run');
console.log('                             (GFLOP/s; ratios to the OpenBLAS samples taken in turn with ours)');
for (const r of results.results) {
  if (!/^(fwd|wgrad|igrad|batch1)/.test(r.shape)) continue;
  nn.setThreads(r.threads);
  const fresh = sampler(r, false);
  const reused = sampler(r, true);
  const f = [],
    u = [],
    o = [];
  for (let i = 0; i < 7; i++) {
    f.push(fresh());
    u.push(reused());
    o.push(openblasSample(r, r.threads));
  }
  const t = summarize(f),
    w = summarize(u),
    blas = summarize(o);
  rows.push({
    shape: r.shape,
    threads: r.threads,
    node_gflops: t,
    node_out_gflops: w,
    openblas_interleaved_gflops: blas,
    openblas_c_run_gflops: r.openblas_gflops.median,
    ratio: t.median / blas.median,
    ratio_out: w.median / blas.median,
    ratio_out_vs_c_run: w.median / r.openblas_gflops.median,
  });
  console.log(
    [
      r.shape.padEnd(22),
      String(r.threads).padStart(3),
      t.median.toFixed(1).padStart(10),
      `${(t.median / blas.median).toFixed(2)}x`.padStart(6),
      w.median.toFixed(1).padStart(10),
      `${(w.median / blas.median).toFixed(2)}x`.padStart(6),
      blas.median.toFixed(1).padStart(10),
      r.openblas_gflops.median.toFixed(1).padStart(10),
      `${(w.median / r.openblas_gflops.median).toFixed(2)}x`.padStart(6),
    ].join(' '),
  );
}
results.node_entry = rows;
writeFileSync(jsonFile, JSON.stringify(results, null, 1) + '\n');
