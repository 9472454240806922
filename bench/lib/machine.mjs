// What a result was measured on: CPU model, cores, SIMD flags, load, memory,
// and the exact version of every competitor. Stored with each suite's JSON so
// that no figure is ever compared with one from another machine or day.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { peerVersion, root, torchInfo } from './peers.mjs';

const SIMD_FLAGS = [
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx512f',
  'avx512bw',
  'avx512dq',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'amx_tile',
  'asimd',
  'sve',
];

/**
 * The AMD core generation of a CPU family and model (AMD's published
 * ranges), or null where we do not know it. The model name of a cloud CPU is
 * often just "AMD EPYC": family and model still tell Zen 4 from Zen 5.
 */
export function amdMicroarchitecture(family, model) {
  if (family === 23) return model < 0x30 ? 'Zen/Zen+' : 'Zen 2';
  if (family === 25) {
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0x7f) || (model >= 0xa0 && model <= 0xaf))
      return 'Zen 4';
    return 'Zen 3';
  }
  if (family === 26) return 'Zen 5';
  return null;
}

/** The widest SIMD class the flags allow: 'avx512' (F, BW, DQ, VL), 'avx2' (with FMA), 'neon', 'sse4.2' or 'none'. */
export function isaClass(flags) {
  const has = (f) => flags.includes(f);
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every(has)) return 'avx512';
  if (has('avx2') && has('fma')) return 'avx2';
  if (has('asimd')) return 'neon';
  if (has('sse4_2')) return 'sse4.2';
  return 'none';
}

/** L1d, L2 and L3 of the first CPU from sysfs, e.g. { L1d: '32K', L2: '1024K', L3: '32768K' }. */
function cacheSizes() {
  const out = {};
  const base = '/sys/devices/system/cpu/cpu0/cache';
  if (!existsSync(base)) return out;
  for (let i = 0; existsSync(join(base, `index${i}`)); i++) {
    try {
      const read = (f) => readFileSync(join(base, `index${i}`, f), 'utf8').trim();
      const type = read('type');
      if (type === 'Instruction') continue;
      out[`L${read('level')}${type === 'Data' ? 'd' : ''}`] = read('size');
    } catch {
      // a cache without these files: skip it
    }
  }
  return out;
}

/** One line naming the CPU: "AMD EPYC (AMD family 25 model 17, Zen 4), 2 cores, avx512". */
export function cpuLine(cpu) {
  const id = [cpu.vendor, cpu.family !== null ? `family ${cpu.family} model ${cpu.modelNumber}` : null]
    .filter(Boolean)
    .join(' ');
  const detail = [id, cpu.microarchitecture].filter(Boolean).join(', ');
  return `${cpu.model}${detail ? ` (${detail})` : ''}, ${cpu.physicalCores ?? '?'} cores (${cpu.logicalCores} logical), ${cpu.isa ?? isaClass(cpu.flags)}`;
}

/** CPU model, vendor, family/model/stepping, core counts, SIMD flags, ISA class, caches. */
export function cpuInfo() {
  const cpus = os.cpus();
  const info = {
    model: cpus[0]?.model?.trim() ?? 'unknown',
    vendor: null,
    family: null,
    modelNumber: null,
    stepping: null,
    microarchitecture: null,
    logicalCores: cpus.length,
    physicalCores: null,
    flags: [],
    isa: null,
    caches: cacheSizes(),
  };
  if (existsSync('/proc/cpuinfo')) {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (key) => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
    info.vendor = field('vendor_id');
    const num = (key) => (field(key) !== null && /^\d+$/.test(field(key)) ? Number(field(key)) : null);
    info.family = num('cpu family');
    info.modelNumber = num('model');
    info.stepping = num('stepping');
    if (info.vendor === 'AuthenticAMD' && info.family !== null)
      info.microarchitecture = amdMicroarchitecture(info.family, info.modelNumber);
    const flags = new Set((/^(?:flags|Features)\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/));
    info.flags = SIMD_FLAGS.filter((f) => flags.has(f));
    const cores = new Set();
    for (const block of text.split(/\n\n+/)) {
      const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (core !== undefined) cores.add(`${phys ?? 0}:${core}`);
    }
    info.physicalCores = cores.size || null;
  }
  info.isa = isaClass(info.flags);
  return info;
}

function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return null;
  }
}

/** Everything worth knowing about where and with what a suite ran. */
export async function machineInfo() {
  let simdnn;
  try {
    const nn = await import('../../dist/index.js');
    const i = nn.info();
    simdnn = {
      version: i.version,
      isa: i.isa,
      defaultThreads: i.threads,
      physicalCores: i.physicalCores,
      availableIsas: i.availableIsas,
    };
  } catch (e) {
    simdnn = { error: e.message.split('\n')[0] };
  }
  const torch = torchInfo();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    date: new Date().toISOString(),
    cpu: cpuInfo(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit: gitCommit(),
    versions: {
      simdnn: simdnn.version ?? pkg.version,
      pytorch: torch.torch ?? null,
      python: torch.python ?? null,
      '@tensorflow/tfjs': peerVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': peerVersion('@tensorflow/tfjs-backend-wasm'),
      'brain.js': peerVersion('brain.js'),
      'onnxruntime-node': peerVersion('onnxruntime-node'),
    },
    simdnn,
    pytorch: torch.error ? { error: torch.error } : { mkldnn: torch.mkldnn, parallel: torch.parallel },
    env: { SIMDNN_ISA: process.env.SIMDNN_ISA ?? null, OMP_WAIT_POLICY_for_pytorch: 'PASSIVE' },
  };
}
