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

function cpuInfo() {
  const cpus = os.cpus();
  const info = {
    model: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCores: cpus.length,
    physicalCores: null,
    flags: [],
  };
  if (existsSync('/proc/cpuinfo')) {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
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
