// Finds the peer libraries we compare against: from the repository's own
// node_modules first (once they are devDependencies), then from a side folder
// (SIMDNN_BENCH_PEERS, default /tmp/peers) where they can be installed without
// touching package.json. Also finds Python + PyTorch.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const peersDir = process.env.SIMDNN_BENCH_PEERS || '/tmp/peers';
export const python = process.env.PYTHON || '/usr/bin/python3';

const requirers = [createRequire(join(root, 'package.json'))];
if (existsSync(join(peersDir, 'package.json'))) requirers.push(createRequire(join(peersDir, 'package.json')));

/** The npm packages each JavaScript competitor needs. */
export const PEER_PACKAGES = {
  'tfjs-cpu': ['@tensorflow/tfjs'],
  'tfjs-wasm': ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  'brain.js': ['brain.js'],
  onnxruntime: ['onnxruntime-node'],
};

/** Absolute path of a package's entry point, or null when it is not installed. */
export function resolvePeer(name) {
  for (const req of requirers) {
    try {
      return req.resolve(name);
    } catch {
      // try the next place
    }
  }
  return null;
}

/** require() of a peer package (CommonJS entry; all our peers ship one). */
export function requirePeer(name) {
  const path = resolvePeer(name);
  if (!path) throw new Error(`${name} is not installed (looked in ${root} and ${peersDir}); see bench/README.md`);
  return createRequire(import.meta.url)(path);
}

/** The installed version of a package, read from its package.json. */
export function peerVersion(name) {
  const entry = resolvePeer(name);
  if (!entry) return null;
  // Walk up from the entry point to the package's own package.json.
  let dir = dirname(entry);
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Why a competitor cannot run here, or null when it can. */
export function missingPeer(competitor) {
  // 'pytorch-channels-last' and other variants of PyTorch need the same interpreter.
  if (competitor === 'pytorch' || competitor.startsWith('pytorch-')) return torchInfo().error ?? null;
  const missing = (PEER_PACKAGES[competitor] ?? []).filter((p) => !resolvePeer(p));
  return missing.length ? `not installed: ${missing.join(', ')}` : null;
}

let torchCache;
/** Python and PyTorch versions (or the reason PyTorch cannot be used). */
export function torchInfo() {
  if (torchCache) return torchCache;
  if (!existsSync(python)) return (torchCache = { error: `${python} not found` });
  try {
    const out = execFileSync(
      python,
      [
        '-c',
        'import json, platform, torch; print(json.dumps({"python": platform.python_version(), "torch": torch.__version__, ' +
          '"mkldnn": torch.backends.mkldnn.is_available(), "parallel": torch.__config__.parallel_info().splitlines()[0:3]}))',
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, timeout: 60_000 },
    );
    torchCache = JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    torchCache = { error: `PyTorch not usable with ${python}: ${String(e.message).split('\n')[0]}` };
  }
  return torchCache;
}
