// Builds bench/gemm/bench.cc against our core (compiled with the same per-ISA
// flags as CMake / binding.gyp) and OpenBLAS, runs it, and writes
// bench/results/gemm.json.   node bench/gemm/run.mjs [--quick]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, dirname, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from '../lib/mtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = join(tmpdir(), 'simdnn-bench-gemm');
mkdirSync(build, { recursive: true });
mkdirSync(join(root, 'bench', 'results'), { recursive: true });

const cxx = process.env.CXX || 'g++';
const base = ['-std=c++17', '-O3', '-fexceptions', '-I', join(root, 'native')];
const ccIn = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.cc'))
    .map((f) => join(root, dir, f));

const isaFlags = {
  scalar: [],
  avx2: ['-mavx2', '-mfma'],
  avx512: ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-Wno-uninitialized'],
};
const units = [];
for (const [isa, flags] of Object.entries(isaFlags))
  for (const src of ccIn(`native/kernels/${isa}`)) units.push({ src, flags });
for (const src of [...ccIn('native/core'), join(root, 'native/kernels/dispatch.cc')]) units.push({ src, flags: [] });
units.push({ src: join(root, 'bench/gemm/bench.cc'), flags: ['-march=native'] });

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit', ...opts });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

async function compileAll() {
  const objs = [];
  const queue = units.map((u) => {
    const obj = join(build, relative(root, u.src).replace(/[\\/]/g, '_') + '.o');
    objs.push(obj);
    return { ...u, obj };
  });
  const jobs = Math.max(1, Math.min(2, availableParallelism()));
  const headers = newestMtime(join(root, 'native'), ['.h', '.inl']);
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      let fresh = false;
      try {
        const t = statSync(u.obj).mtimeMs;
        fresh = !process.env.BENCH_REBUILD && t > statSync(u.src).mtimeMs && t > headers;
      } catch {
        // No object file yet: compile it.
      }
      if (fresh) continue;
      console.log(`compile ${relative(root, u.src)}`);
      await run(cxx, [...base, ...u.flags, '-c', u.src, '-o', u.obj]);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return objs;
}

// Headers change too: rebuild everything when any header is newer than the binary.
const objs = await compileAll().catch(async (e) => {
  console.error(e.message);
  process.exit(1);
});
const exe = join(build, 'bench_gemm');
await run(cxx, [...objs, '-o', exe, '-lopenblas', '-lpthread']);
const json = join(root, 'bench', 'results', 'gemm.json');
await run(exe, [...process.argv.slice(2), '--json', json]);
// The same MLP shapes through nn.matmul (N-API overhead included), against OpenBLAS's figures of this run.
await run(process.execPath, [join(root, 'bench', 'gemm', 'node-entry.mjs')]);
console.log(`results: ${relative(process.cwd(), json) || basename(json)}`);
