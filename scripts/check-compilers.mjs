// Compiles every native source (native/**/*.cc) with each toolchain below, warning-free under
// -Wall -Wextra -Werror: g++, clang++ with libstdc++, clang++ with libc++ (the C++ library macOS
// uses), and the arm64 cross g++ for the NEON kernels. Flags follow binding.gyp: C++17, -O2 (some
// warnings need the optimizer), the per-ISA flags only for that ISA's folder and architecture.
// Objects are discarded. A toolchain whose compiler is missing fails the check, naming the
// Debian packages.
//
//   node scripts/check-compilers.mjs [toolchain...]     (default: all)
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const addonApi = join(root, 'node_modules', 'node-addon-api');
const nodeHeaders = '/usr/include/node';

const ISA_FLAGS = {
  x64: {
    'native/kernels/avx2': ['-mavx2', '-mfma'],
    'native/kernels/avx512': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-Wno-uninitialized'],
  },
  arm64: { 'native/kernels/neon': [] },
};

const TOOLCHAINS = {
  gcc: { cxx: 'g++', flags: [], arch: 'x64', apt: 'g++' },
  clang: { cxx: 'clang++', flags: [], arch: 'x64', apt: 'clang' },
  'clang-libc++': { cxx: 'clang++', flags: ['-stdlib=libc++'], arch: 'x64', apt: 'clang libc++-dev libc++abi-dev' },
  'gcc-arm64': { cxx: 'aarch64-linux-gnu-g++', flags: [], arch: 'arm64', apt: 'g++-aarch64-linux-gnu' },
};

function sources(dir) {
  const out = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.cc')) out.push(p);
  }
  return out;
}

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function jobsFor(name, tc) {
  const isaDirs = Object.values(ISA_FLAGS).flatMap((m) => Object.keys(m));
  const own = ISA_FLAGS[tc.arch];
  return sources('native').flatMap((src) => {
    const dir = src.slice(0, src.lastIndexOf('/'));
    if (isaDirs.includes(dir) && !(dir in own)) return []; // another architecture's kernels
    const args = [
      '-std=c++17',
      '-O2',
      '-fexceptions',
      '-ffp-contract=off',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-DNAPI_VERSION=8',
      '-DNAPI_CPP_EXCEPTIONS',
      '-DNODE_ADDON_API_CPP_EXCEPTIONS_ALL',
      `-I${join(root, 'native')}`,
      `-isystem${nodeHeaders}`,
      `-isystem${addonApi}`,
      ...tc.flags,
      ...(own[dir] ?? []),
      '-c',
      src,
      '-o',
      '/dev/null',
    ];
    return [{ name, cmd: tc.cxx, args, src }];
  });
}

function run(job) {
  return new Promise((resolve) => {
    const child = spawn(job.cmd, job.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ ...job, code, out }));
  });
}

const wanted = process.argv.slice(2);
for (const w of wanted)
  if (!TOOLCHAINS[w]) throw new Error(`unknown toolchain ${w}; known: ${Object.keys(TOOLCHAINS)}`);
const chosen = Object.entries(TOOLCHAINS).filter(([n]) => !wanted.length || wanted.includes(n));
for (const [n, tc] of chosen)
  if (!has(tc.cxx)) throw new Error(`toolchain ${n} needs ${tc.cxx} (Debian: apt-get install ${tc.apt})`);
const queue = chosen.flatMap(([n, tc]) => jobsFor(n, tc));
const total = queue.length;
const failures = [];
const worker = async () => {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const r = await run(job);
    if (r.code !== 0 || r.out.trim()) failures.push(r);
  }
};
await Promise.all([worker(), worker()]);
for (const f of failures) console.error(`--- ${f.name}: ${relative(root, join(root, f.src))}\n${f.out}`);
console.log(
  `simdnn: ${total - failures.length}/${total} compiles clean with -Wall -Wextra -Werror (${chosen.map(([n]) => n).join(', ')})`,
);
process.exit(failures.length ? 1 : 0);
