// Builds bench/gemm/bench.cc against our core (compiled with the same per-ISA
// flags as CMake / binding.gyp) and OpenBLAS, runs it, and writes
// bench/results/gemm.json.   node bench/gemm/run.mjs [--quick]
//
// OpenBLAS runs its fastest kernels that are correct on this CPU: SkylakeX
// (AVX-512) where the CPU has AVX-512 F/BW/DQ/VL, else Haswell (AVX2 + FMA),
// else its own choice, each candidate first checked against a float64
// reference (bench_gemm --check-openblas) and skipped if wrong. The
// environment's OPENBLAS_CORETYPE is overridden (an environment may pin
// Haswell on an AVX-512 CPU, which halves OpenBLAS there);
// SIMDNN_BENCH_OPENBLAS_CORETYPE=NAME tries NAME first instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename, relative } from 'node:path';
import { buildProgram, ccIn, kernelUnits, root, run } from '../lib/native-build.mjs';
import { cpuLine, machineInfo } from '../lib/machine.mjs';

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const units = [
  ...kernelUnits(),
  ...[...ccIn('native/core'), join(root, 'native/kernels/dispatch.cc')].map((src) => ({ src, flags: [] })),
  { src: join(root, 'bench/gemm/bench.cc'), flags: ['-march=native'] },
];
const exe = await buildProgram({
  units,
  buildDir: join(tmpdir(), 'simdnn-bench-gemm'),
  exe: 'bench_gemm',
  libs: ['-lopenblas'],
}).catch((e) => {
  console.error(e.message);
  process.exit(1);
});
const json = join(root, 'bench', 'results', 'gemm.json');
const machine = await machineInfo();
console.log(`CPU: ${cpuLine(machine.cpu)}; SIMD flags: ${machine.cpu.flags.join(' ')}`);

/** The environment with OPENBLAS_CORETYPE set to `coretype` (null: removed, OpenBLAS decides). */
function withCoretype(coretype) {
  const env = { ...process.env };
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  else delete env.OPENBLAS_CORETYPE;
  return env;
}

const environmentCoretype = process.env.OPENBLAS_CORETYPE ?? null;
const candidates = [];
if (process.env.SIMDNN_BENCH_OPENBLAS_CORETYPE) candidates.push(process.env.SIMDNN_BENCH_OPENBLAS_CORETYPE);
if (machine.cpu.isa === 'avx512') candidates.push('SKYLAKEX');
if (machine.cpu.isa === 'avx512' || machine.cpu.isa === 'avx2') candidates.push('HASWELL');
candidates.push(null);
const checked = [];
let chosen;
for (const coretype of [...new Set(candidates)]) {
  const r = spawnSync(exe, ['--check-openblas'], { env: withCoretype(coretype), encoding: 'utf8', timeout: 120_000 });
  let check;
  try {
    check = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : null;
  } catch {
    check = null;
  }
  const entry = check
    ? { coretype, ...check }
    : { coretype, ok: false, error: `exited with ${r.signal ?? r.status}: ${(r.stderr || '').trim().slice(0, 200)}` };
  checked.push(entry);
  console.log(
    `OpenBLAS with OPENBLAS_CORETYPE=${coretype ?? '(unset)'}: core ${entry.core ?? '?'}, ` +
      (entry.error ?? `max relative error vs float64 ${entry.max_relerr} (${entry.ok ? 'correct' : 'WRONG'})`),
  );
  if (entry.ok) {
    chosen = entry;
    break;
  }
}
if (!chosen) {
  console.error('No OPENBLAS_CORETYPE gave correct products: OpenBLAS is not usable as the baseline here');
  process.exit(1);
}
// OpenBLAS's idle workers spin for 2^28 cycles (~0.1 s here) after each call and, in this one process, take a
// core from our threads' next sample (measured: ours at 2 threads 81 -> 146 GFLOP/s at 1024 when they do not).
// 2^24 cycles (~6 ms) still spans every gap between its back-to-back calls within a sample; bench.cc then pauses
// 50 ms after each OpenBLAS sample, so its workers are asleep when ours run. Our pool spins ~0.1 ms.
const env = {
  ...withCoretype(chosen.coretype),
  OPENBLAS_THREAD_TIMEOUT: process.env.OPENBLAS_THREAD_TIMEOUT ?? '24',
};
await run(exe, [...process.argv.slice(2), '--json', json], { env });
// The same MLP shapes through nn.matmul (N-API overhead included), against OpenBLAS's figures of this run and
// against OpenBLAS samples taken in between the Node samples (the same program, one shape at a time).
await run(process.execPath, [join(root, 'bench', 'gemm', 'node-entry.mjs'), exe], { env });
const results = JSON.parse(readFileSync(json, 'utf8'));
results.machine = { ...machine, cpuLine: cpuLine(machine.cpu) };
results.openblas = {
  ...results.openblas,
  environment_OPENBLAS_CORETYPE: environmentCoretype,
  chosen_coretype: chosen.coretype,
  checked,
};
writeFileSync(json, `${JSON.stringify(results, null, 1)}\n`);
console.log(`results: ${relative(process.cwd(), json) || basename(json)}`);
