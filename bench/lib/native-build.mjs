// Builds the C++ benchmark programs (bench/gemm, bench/optim) against the
// project's native sources with the same per-ISA flags as binding.gyp and
// CMake. Objects are reused unless their source, or any header they may
// include (native/**/*.h, *.inl), is newer; BENCH_REBUILD=1 forces a rebuild.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { arch, availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The newest modification time of the files with these extensions under dir (0 when there is none). */
export function newestMtime(dir, exts) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** The .cc files of a folder of the package (absolute paths). */
export function ccIn(dir) {
  const abs = join(root, dir);
  return existsSync(abs)
    ? readdirSync(abs)
        .filter((f) => f.endsWith('.cc'))
        .map((f) => join(abs, f))
    : [];
}

/** Compile units for every kernel library this architecture builds, each with its ISA flags. */
export function kernelUnits() {
  const isaFlags =
    arch() === 'x64'
      ? {
          scalar: [],
          avx2: ['-mavx2', '-mfma'],
          avx512: ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-Wno-uninitialized'],
        }
      : arch() === 'arm64'
        ? { scalar: [], neon: [] }
        : { scalar: [] };
  const units = [];
  for (const [isa, flags] of Object.entries(isaFlags))
    for (const src of ccIn(`native/kernels/${isa}`)) units.push({ src, flags });
  return units;
}

/** Runs a command with inherited output; resolves on exit code 0. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit', ...opts });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/**
 * Compiles `units` ({ src, flags }) into `buildDir` (two at a time) and links
 * them into `buildDir/exe` with `libs`; returns the executable's path.
 */
export async function buildProgram({ units, buildDir, exe, libs = [] }) {
  mkdirSync(buildDir, { recursive: true });
  const cxx = process.env.CXX || 'g++';
  const base = [
    '-std=c++17',
    '-O3',
    '-ffp-contract=off',
    '-DNDEBUG',
    '-fexceptions',
    '-pthread',
    '-I',
    join(root, 'native'),
  ];
  const headers = newestMtime(join(root, 'native'), ['.h', '.inl']);
  const objs = [];
  const queue = units.map((u) => {
    const obj = join(buildDir, relative(root, u.src).replace(/[\\/]/g, '_') + '.o');
    objs.push(obj);
    return { ...u, obj };
  });
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
  const jobs = Math.max(1, Math.min(2, availableParallelism()));
  await Promise.all(Array.from({ length: jobs }, worker));
  const out = join(buildDir, exe);
  await run(cxx, [...objs, '-o', out, '-pthread', ...libs]);
  return out;
}
