// Optimizer-update benchmark: builds bench/optim/bench_optim.cc against our
// core (the same per-ISA flags as CMake / binding.gyp), runs it and PyTorch's
// optimizers (bench/optim/torch_optim.py) on the same sizes and threads, prints
// one table and writes bench/results/optim.json.
//
//   node bench/optim/run.mjs [--quick] [--sizes 1048576,16777216] [--threads 1,2]
//
// Env: CXX (default g++), PYTHON (default /usr/bin/python3), BENCH_REBUILD=1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram, kernelUnits } from '../lib/native-build.mjs';
import { cpuInfo, cpuLine } from '../lib/machine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = join(tmpdir(), 'simdnn-bench-optim');
const resultsDir = join(root, 'bench', 'results');
mkdirSync(build, { recursive: true });
mkdirSync(resultsDir, { recursive: true });

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const quick = argv.includes('--quick');
const sizes = opt('--sizes', '1048576,16777216');
const threads = opt('--threads', '1,2');
if (!/^\d+(,\d+)*$/.test(sizes)) throw new Error(`Expected --sizes as n[,n...] but received '${sizes}'`);
if (!/^\d+(,\d+)*$/.test(threads)) throw new Error(`Expected --threads as t[,t...] but received '${threads}'`);

// ---------------------------------------------------------------- build
// Only the core files the optimizer needs.
const units = [
  ...kernelUnits(),
  ...['core/threadpool.cc', 'core/optimizer.cc', 'core/schedule.cc', 'kernels/dispatch.cc'].map((f) => ({
    src: join(root, 'native', f),
    flags: [],
  })),
  { src: join(root, 'bench/optim/bench_optim.cc'), flags: ['-march=native'] },
];
const buildBench = () => buildProgram({ units, buildDir: build, exe: 'bench_optim' });

// Runs a command; with capture, resolves with its standard output.
function run(cmd, args, { capture = false, env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], env: env ?? process.env });
    let out = '';
    if (capture) p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

// ---------------------------------------------------------------- machine
function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  let flags = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = info.match(/^model name\s*:\s*(.*)$/m);
    if (m) model = m[1].trim();
    const f = info.match(/^(flags|Features)\s*:\s*(.*)$/m);
    if (f)
      flags = f[2]
        .trim()
        .split(/\s+/)
        .filter((x) => /^(avx|fma|sse4|asimd|sve|neon|f16c|amx)/.test(x));
    const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const id = ['cpu family', 'model', 'stepping', 'CPU implementer', 'CPU part'].map(
      (k) => field(k) && `${k} ${field(k)}`,
    );
    if (id.some(Boolean)) model += ` (${id.filter(Boolean).join(', ')})`;
  } catch {
    // No /proc/cpuinfo (not Linux): keep the generic model name.
  }
  return {
    cpu: model,
    logicalCpus: cpus().length,
    simdFlags: flags,
    arch: arch(),
    platform: platform(),
    kernel: release(),
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  };
}

// ---------------------------------------------------------------- main
const exe = await buildBench();
const quickArgs = quick ? ['--quick'] : [];
console.log(`CPU: ${cpuLine(cpuInfo())}`);
console.log('running bench_optim ...');
const ours = JSON.parse(await run(exe, ['--sizes', sizes, '--threads', threads, ...quickArgs], { capture: true }));

const python = process.env.PYTHON || '/usr/bin/python3';
let torch = { skipped: `${python} not found` };
if (existsSync(python)) {
  console.log('running torch_optim.py ...');
  try {
    torch = JSON.parse(
      await run(
        python,
        [join(root, 'bench/optim/torch_optim.py'), '--sizes', sizes, '--threads', threads, ...quickArgs],
        {
          capture: true,
          env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
        },
      ),
    );
  } catch (e) {
    torch = { skipped: `torch_optim.py failed: ${e.message}` };
  }
}
if (torch.skipped) console.log(`PyTorch skipped: ${torch.skipped}`);

const triadOf = (t) => ours.triad.find((x) => x.threads === t && x.n === ours.triad_n);
const rows = [];
for (const u of ours.updates) {
  const triad = triadOf(u.threads);
  const torchRuns = (torch.results ?? []).filter(
    (r) => r.optimizer === u.optimizer && r.n === u.n && r.threads === u.threads,
  );
  const ok = torchRuns.filter((r) => r.ms);
  const best = ok.length ? ok.reduce((a, b) => (a.ms.median <= b.ms.median ? a : b)) : null;
  rows.push({
    n: u.n,
    threads: u.threads,
    optimizer: u.optimizer,
    oursGBs: u.gbs.median,
    oursGBsSpread: [u.gbs.p25, u.gbs.p75],
    pctOfTriad: triad ? (100 * u.gbs.median) / triad.gbs.median : null,
    oursMs: u.ms.median,
    oursMsSpread: [u.ms.p25, u.ms.p75],
    torchMs: best ? best.ms.median : null,
    torchMode: best ? best.mode : null,
    torchModes: Object.fromEntries(torchRuns.map((r) => [r.mode, r.ms ? r.ms.median : `error: ${r.error}`])),
    speedup: best ? best.ms.median / u.ms.median : null,
  });
}

const fmtN = (n) => (n % 2 ** 20 === 0 ? `${n / 2 ** 20}M` : `${n}`);
const f = (x, d = 2) => (x == null ? '-' : x.toFixed(d));
const header = [
  'size',
  'threads',
  'optimizer',
  'ours GB/s',
  '% of triad',
  'torch ms',
  'torch mode',
  'ours ms',
  'speedup',
];
const lines = rows.map((r) => [
  fmtN(r.n),
  String(r.threads),
  r.optimizer,
  f(r.oursGBs, 1),
  f(r.pctOfTriad, 0) + (r.pctOfTriad == null ? '' : '%'),
  f(r.torchMs, 3),
  r.torchMode ?? '-',
  f(r.oursMs, 3),
  r.speedup == null ? '-' : f(r.speedup, 2) + 'x',
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const show = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log();
for (const t of ours.triad)
  console.log(
    `triad ${fmtN(t.n)} floats, ${t.threads} thread(s): ${f(t.gbs.median, 1)} GB/s (p25 ${f(t.gbs.p25, 1)}, p75 ${f(t.gbs.p75, 1)})`,
  );
console.log(
  `ISA ${ours.isa}; % of triad is against the triad on ${fmtN(ours.triad_n)}-float arrays at the same thread count; torch = fastest mode\n`,
);
console.log(show(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const l of lines) console.log(show(l));

const out = {
  date: new Date().toISOString(),
  machine: { ...machine(), physicalCores: ours.physical_cores, cpuLine: cpuLine(cpuInfo()), cpuInfo: cpuInfo() },
  node: process.version,
  isa: ours.isa,
  torch: torch.torch ?? null,
  torchSkipped: torch.skipped ?? null,
  quick,
  method:
    'median of repeated single steps (2 warm-up steps dropped); GB/s counts each array read and written once: triad 12 B/elem, sgd+momentum 20 B/param, adam/adamw 28 B/param; torch OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads(threads)',
  triad: ours.triad,
  rows,
  raw: { ours: ours.updates, torch: torch.results ?? [] },
};
const file = join(resultsDir, 'optim.json');
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote ${relative(root, file)}`);
