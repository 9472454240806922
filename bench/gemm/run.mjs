// Builds bench/gemm/bench.cc against our core (compiled with the same per-ISA
// flags as CMake / binding.gyp) and OpenBLAS, runs it, and writes
// bench/results/gemm.json.   node bench/gemm/run.mjs [--quick]
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename, relative } from 'node:path';
import { buildProgram, ccIn, kernelUnits, root, run } from '../lib/native-build.mjs';

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
// OpenBLAS's idle workers spin for 2^28 cycles (~0.1 s here) after each call and, in this one process, take a
// core from our threads' next sample (measured: ours at 2 threads 81 -> 146 GFLOP/s at 1024 when they do not).
// 2^24 cycles (~6 ms) still spans every gap between its back-to-back calls within a sample; bench.cc then pauses
// 50 ms after each OpenBLAS sample, so its workers are asleep when ours run. Our pool spins ~0.1 ms.
const env = { ...process.env, OPENBLAS_THREAD_TIMEOUT: process.env.OPENBLAS_THREAD_TIMEOUT ?? '24' };
await run(exe, [...process.argv.slice(2), '--json', json], { env });
// The same MLP shapes through nn.matmul (N-API overhead included), against OpenBLAS's figures of this run and
// against OpenBLAS samples taken in between the Node samples (the same program, one shape at a time).
await run(process.execPath, [join(root, 'bench', 'gemm', 'node-entry.mjs'), exe]);
console.log(`results: ${relative(process.cwd(), json) || basename(json)}`);
