// The FMA peak of one core (bench/gemm/peak.h, the same measurement bench:gemm
// prints), for suites that report GFLOP/s as a share of the peak.
//   const { ymm, zmm, best } = await measureFmaPeak();   // GFLOP/s per core
import { execFileSync } from 'node:child_process';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, root } from '../lib/native-build.mjs';

/** Builds bench/gemm/peak.cc (once) and runs it; resolves with { ymm, zmm, best } or { error } off x86-64. */
export async function measureFmaPeak() {
  if (arch() !== 'x64') return { error: `the FMA peak is measured on x86-64 only (this is ${arch()})` };
  const exe = await buildProgram({
    units: [{ src: join(root, 'bench/gemm/peak.cc'), flags: [] }],
    buildDir: join(tmpdir(), 'simdnn-bench-peak'),
    exe: 'fma_peak',
  });
  return JSON.parse(execFileSync(exe, { encoding: 'utf8' }).trim());
}
